package org.gatehouse.auth.ldap.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.auth.ldap.DirectoryCheck.Reachability;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.RequestPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP Basic credentials on the guarded paths, checked against the directory off the event loop.
 * Fails closed: no credentials, bad ones or a malformed header get a 401 challenge; a directory that
 * does not answer, or a configuration that cannot be used, gets 503; an address that failed too often
 * gets 429. Nothing unauthenticated ever reaches a route on a guarded path.
 */
final class LdapFilter implements HttpFilter {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.auth.ldap");
    static final int RETRY_AFTER_SECONDS = 30;

    /** Everything one decision needs, replaced whole when the configuration changes. */
    record Active(LdapSettings settings, Directory directory, LoginCache cache, FailureLimiter limiter, String problem) {

        /** Refuses everything (503) on every path: an unusable configuration fails closed. */
        static Active broken(String problem) {
            return new Active(null, null, null, null, problem);
        }

        /**
         * Whether the path needs credentials; a path that cannot be read does. Read as the node might
         * read it, too ({@link RequestPath}): decoded and normalized, and without path parameters
         * ({@code /api;x/} is {@code /api/} to a servlet container).
         */
        boolean guards(String path) {
            if (settings == null) {
                return true;
            }
            List<String> readings = RequestPath.readings(path);
            if (readings == null) {
                return true;
            }
            for (String p : readings) {
                if (settings.guards(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Executor workers;
    private volatile Active active;
    final LongAdder accepted = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder unavailable = new LongAdder();
    /** The part of {@link #unavailable} answered because the configuration cannot be used, not the directory. */
    final LongAdder unusable = new LongAdder();
    /** Parts of {@link #accepted} and {@link #refused}, for the metrics. */
    final LongAdder cacheHits = new LongAdder();
    final LongAdder wrongCredentials = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    private volatile Reachability reachability = Reachability.UNKNOWN;
    private final AtomicLong lastUnavailableLog = new AtomicLong(System.nanoTime() - 60_000_000_000L);

    LdapFilter(Executor workers) {
        this.workers = workers;
    }

    void use(Active a) {
        Active old = active;
        if (a == null || old == null || a.directory() != old.directory()) {
            // Another directory (or none): what the old one did says nothing about it.
            reachability = Reachability.UNKNOWN;
        }
        active = a;
    }

    Reachability reachability() {
        return reachability;
    }

    Active active() {
        return active;
    }

    /** Without a pending directory call: the cache answers, or 503 (callers that know {@link #check} are never here). */
    @Override
    public boolean beforeRoute(HttpExchange x) {
        CompletableFuture<Boolean> f = decide(x, false).toCompletableFuture();
        return f.isDone() && Boolean.TRUE.equals(f.getNow(false));
    }

    @Override
    public CompletionStage<Boolean> check(HttpExchange x) {
        return decide(x, true);
    }

    private CompletableFuture<Boolean> decide(HttpExchange x, boolean mayWait) {
        Active a = active;
        if (a == null || !a.guards(x.path())) {
            return CompletableFuture.completedFuture(true);
        }
        if (a.problem() != null) {
            unavailable.increment();
            unusable.increment();
            answer(x, HttpResponseStatus.SERVICE_UNAVAILABLE, null, RETRY_AFTER_SECONDS, "Sign-in is not available now.");
            return CompletableFuture.completedFuture(false);
        }
        InetSocketAddress remote = x.client();
        InetAddress client = remote == null ? InetAddress.getLoopbackAddress() : remote.getAddress();
        long wait = a.limiter().blockedSeconds(client);
        if (wait > 0) {
            rateLimited(x, wait);
            return CompletableFuture.completedFuture(false);
        }
        List<String> headers = x.request().headers().getAll(HttpHeaderNames.AUTHORIZATION);
        if (headers.isEmpty()) {
            // The first request of every browser: a challenge, not a failure.
            challenge(x, a);
            return CompletableFuture.completedFuture(false);
        }
        BasicCredentials c;
        try {
            c = BasicCredentials.parse(headers);
        } catch (BasicCredentials.Malformed e) {
            LOG.info("LDAP: refused a malformed Authorization header from {}: {}", client.getHostAddress(), e.getMessage());
            malformed.increment();
            return refuse(x, a, client);
        }
        if (c.user().isEmpty() || c.password().isEmpty()) {
            // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which "succeeds": never sent.
            LOG.info("LDAP: refused {} from {}: empty {}", c.user(), client.getHostAddress(), c.user().isEmpty() ? "user name" : "password");
            malformed.increment();
            return refuse(x, a, client);
        }
        // Before the cache: a name blocked from this address must not keep guessing against it.
        wait = a.limiter().blockedSeconds(client, c.user());
        if (wait > 0) {
            rateLimited(x, wait);
            return CompletableFuture.completedFuture(false);
        }
        if (a.cache().contains(c.user(), c.password())) {
            cacheHits.increment();
            accept(x, a);
            return CompletableFuture.completedFuture(true);
        }
        if (!mayWait) {
            answer(x, HttpResponseStatus.SERVICE_UNAVAILABLE, null, RETRY_AFTER_SECONDS, "Sign-in is not available now.");
            return CompletableFuture.completedFuture(false);
        }
        Login login = new Login(x, a, c, client);
        try {
            workers.execute(login);
        } catch (RejectedExecutionException e) {
            unavailable(x, "too many sign-ins waiting for the directory");
            return CompletableFuture.completedFuture(false);
        }
        return login.answer;
    }

    /** One login waiting for the directory, on a worker thread; its answer is applied on the exchange's event loop. */
    final class Login implements Runnable {

        final CompletableFuture<Boolean> answer = new CompletableFuture<>();
        private final HttpExchange x;
        private final Active a;
        private final BasicCredentials c;
        private final InetAddress client;
        private final long queuedNanos = System.nanoTime();

        Login(HttpExchange x, Active a, BasicCredentials c, InetAddress client) {
            this.x = x;
            this.a = a;
            this.c = c;
            this.client = client;
        }

        @Override
        public void run() {
            if (x.isDone()) {
                // The client left while this waited: the directory is not asked for nobody.
                onLoop(() -> answer.complete(false));
                return;
            }
            // A login waits for a worker as long as the directory takes for the ones before it: when
            // it answers slowly (a server dropping packets costs connect-timeout, one not answering
            // response-timeout, each login), a queue of hundreds would keep its clients minutes.
            // One that waited longer than two logins may take gets 503 at once, as the docs promise (a
            // burst of logins to a directory that answers in time drains well within that).
            long limit = 2 * TimeUnit.SECONDS.toNanos(a.settings().connectTimeoutSeconds() + a.settings().responseTimeoutSeconds());
            if (System.nanoTime() - queuedNanos > limit) {
                onLoop(() -> {
                    overloaded(x);
                    answer.complete(false);
                });
                return;
            }
            // Looked at again as the directory is about to be asked, with the logins of the same name
            // and address under way counted as failures: logins sent at once from one address (many
            // connections, more than the workers) were let through before the first failure came
            // back, a guess each, and as many failed binds reached the directory and its own lockout
            // of the account (an Active Directory's threshold may be lower than failure-limit plus
            // the workers).
            FailureLimiter.Attempt attempt = a.limiter().begins(client, c.user(), c.password());
            if (attempt == null) {
                long wait = Math.max(1, a.limiter().blockedSeconds(client, c.user()));
                onLoop(() -> {
                    rateLimited(x, wait);
                    answer.complete(false);
                });
                return;
            }
            if (!attempt.first()) {
                finish(sameAnswer(attempt));
                return;
            }
            Directory.Result r = null;
            try {
                r = a.directory().authenticate(c.user(), c.password());
            } catch (RuntimeException e) {
                LOG.debug("LDAP: login of {} failed", c.user(), e);
                r = new Directory.Result(Directory.Outcome.UNAVAILABLE, Causes.of(e));
            } finally {
                // Counted here, before this worker takes the next login, not when the event loop
                // answers: that one would otherwise not see it. The attempt ends after its failure
                // is counted, on every path.
                try {
                    if (r != null && r.outcome() == Directory.Outcome.REFUSED) {
                        a.limiter().failed(client, c.user());
                    }
                } finally {
                    // Always: the logins waiting for this answer are handed it.
                    a.limiter().ended(attempt, r);
                }
            }
            finish(r);
        }

        /**
         * The answer of the login with the same name and password under way (a browser's parallel
         * requests, or one guess sent on many connections): one question to the directory, one failure
         * counted at most.
         */
        private Directory.Result sameAnswer(FailureLimiter.Attempt attempt) {
            Object answer = null;
            try {
                // As long as the first takes: its question to the directory is bounded by the timeouts
                // of each server it tries, and it always hands on an answer, even a failure's.
                answer = attempt.answer().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.debug("LDAP: no answer for {} from the same login under way", c.user(), e);
            } finally {
                a.limiter().ended(attempt, null);
            }
            return answer instanceof Directory.Result ? (Directory.Result) answer
                    : new Directory.Result(Directory.Outcome.UNAVAILABLE, "no answer from the directory for the same login under way");
        }

        /** Never run (the bundle is stopping): answered 503 rather than left waiting. */
        void abandon() {
            finish(new Directory.Result(Directory.Outcome.UNAVAILABLE, "LDAP authentication stopped"));
        }

        private void finish(Directory.Result r) {
            onLoop(() -> answer.complete(decided(x, a, c, client, r)));
        }

        /** Runs {@code task} on the exchange's event loop; a loop shutting down answers false. */
        private void onLoop(Runnable task) {
            try {
                x.eventLoop().execute(task);
            } catch (RejectedExecutionException closing) {
                answer.complete(false);
            }
        }
    }

    /** On the event loop: the directory's answer applied to the exchange. */
    private boolean decided(HttpExchange x, Active a, BasicCredentials c, InetAddress client, Directory.Result r) {
        switch (r.outcome()) {
            case ACCEPTED:
                reached(a, Reachability.REACHABLE);
                a.cache().put(c.user(), c.password());
                accept(x, a);
                return true;
            case REFUSED:
                reached(a, Reachability.REACHABLE);
                LOG.info("LDAP: refused {} from {}: {}", c.user(), client.getHostAddress(), r.reason());
                wrongCredentials.increment();
                refused.increment();
                challenge(x, a);
                return false;
            default:
                reached(a, Reachability.UNREACHABLE);
                unavailable(x, r.reason());
                return false;
        }
    }

    /** Only for the directory in force: a late answer from a replaced one says nothing about the new one. */
    private void reached(Active a, Reachability r) {
        if (active == a) {
            reachability = r;
        }
    }

    private void accept(HttpExchange x, Active a) {
        accepted.increment();
        if (!a.settings().forwardAuthorization()) {
            // The directory password is for Gatehouse; the nodes behind it never see it.
            x.request().headers().remove(HttpHeaderNames.AUTHORIZATION);
        }
    }

    private CompletableFuture<Boolean> refuse(HttpExchange x, Active a, InetAddress client) {
        refused.increment();
        a.limiter().failed(client, null);
        challenge(x, a);
        return CompletableFuture.completedFuture(false);
    }

    private void unavailable(HttpExchange x, String reason) {
        unavailable.increment();
        long now = System.nanoTime();
        long last = lastUnavailableLog.get();
        if (now - last > 10_000_000_000L && lastUnavailableLog.compareAndSet(last, now)) {
            LOG.warn("LDAP: no directory server answered ({}); guarded requests get 503 until one does", reason);
        }
        answer(x, HttpResponseStatus.SERVICE_UNAVAILABLE, null, RETRY_AFTER_SECONDS, "Sign-in is not available now.");
    }

    /** 503 to a login that waited too long for a worker: the directory answers, but slower than logins come in. */
    private void overloaded(HttpExchange x) {
        unavailable.increment();
        long now = System.nanoTime();
        long last = lastUnavailableLog.get();
        if (now - last > 10_000_000_000L && lastUnavailableLog.compareAndSet(last, now)) {
            LOG.warn("LDAP: sign-ins waited longer than twice connect-timeout + response-timeout for the directory: it answers more "
                    + "slowly than logins come in (pool-size gives two workers per connection); those get 503");
        }
        answer(x, HttpResponseStatus.SERVICE_UNAVAILABLE, null, RETRY_AFTER_SECONDS, "Sign-in is not available now.");
    }

    /** 429: the client's address reached failure-limit; to be tried again in {@code wait} seconds. */
    private void rateLimited(HttpExchange x, long wait) {
        refused.increment();
        rateLimited.increment();
        answer(x, HttpResponseStatus.TOO_MANY_REQUESTS, null, wait, "Too many failed sign-ins from this address; try again later.");
    }

    private static void challenge(HttpExchange x, Active a) {
        answer(x, HttpResponseStatus.UNAUTHORIZED, "Basic realm=\"" + a.settings().realm() + "\", charset=\"UTF-8\"", 0,
                "Sign in with your directory user name and password.");
    }

    private static void answer(HttpExchange x, HttpResponseStatus status, String challenge, long retryAfter, String text) {
        if (x.isDone()) {
            return;
        }
        String page = "<!DOCTYPE html>\n<html><head><title>" + status.code() + " " + status.reasonPhrase() + "</title></head><body><h1>"
                + status.code() + " " + status.reasonPhrase() + "</h1><p>" + text + "</p></body></html>\n";
        ByteBuf body = ByteBufUtil.writeUtf8(x.alloc(), page);
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (challenge != null) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        }
        if (retryAfter > 0) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        try {
            x.head(r);
        } catch (IllegalStateException started) {
            body.release();
            return;
        }
        x.end(new DefaultLastHttpContent(body));
    }
}
