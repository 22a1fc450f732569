package org.gatehouse.ban.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.RequestPath;

/**
 * The front door's side of the ban: a 403 answer to a conference token request that carries a PIN
 * ({@code POST .../request_token} with a {@code pin} header, the conferencing node's answer to a wrong
 * PIN) counts as a failure of the client's address, and a banned address gets 429 with Retry-After on
 * every request. A token request without a PIN guesses nothing: its 403 ("PIN required") is the first
 * step of every join of a PIN-protected conference, and counted, it banned an office whose people
 * joined one meeting from behind one address.
 */
final class BanFilter implements HttpFilter {

    static final String TOKEN_REQUEST = "/request_token";
    /** The header the conferencing client API carries a PIN in. */
    static final String PIN = "pin";

    private final BanTable table;
    private final Predicate<InetAddress> exempt;
    /** PIN attempts gone to a node and not yet answered, each until the front tells its status. */
    private final ConcurrentHashMap<HttpExchange, BanTable.Attempt> underWay = new ConcurrentHashMap<>();

    BanFilter(BanTable table, Predicate<InetAddress> exempt) {
        this.table = table;
        this.exempt = exempt;
    }

    @Override
    public boolean beforeRoute(HttpExchange exchange) {
        InetSocketAddress client = exchange.client();
        if (client == null) {
            return true;
        }
        BanTable.Banned ban = table.banned(client.getAddress());
        if (ban != null && !exempt.test(client.getAddress())) {
            table.refused();
            refuse(exchange, table.secondsLeft(ban), "Too many wrong PINs were tried from your address.");
            return false;
        }
        // Only a token request that carries a PIN can guess: every join asks for a token, first
        // without one (and gets 403 "PIN required" where the conference has a PIN).
        if (!isPinAttempt(exchange) || exempt.test(client.getAddress())) {
            return true;
        }
        BanTable.Attempt attempt = table.attemptBegins(client.getAddress());
        if (attempt == null) {
            // As many attempts are under way as would, all wrong, ban the address: this one waits
            // for their answers.
            table.refused();
            refuse(exchange, 1, "Too many PINs are being tried from your address at once.");
            return false;
        }
        underWay.put(exchange, attempt);
        return true;
    }

    /** A token request carrying a PIN (its {@code pin} header): a guess when the node answers 403. */
    private static boolean isPinAttempt(HttpExchange exchange) {
        HttpRequest request = exchange.request();
        return request != null && HttpMethod.POST.equals(request.method()) && request.headers().contains(PIN)
                && isTokenRequest(exchange.path());
    }

    @Override
    public void afterResponse(HttpExchange exchange, HttpResponseStatus status) {
        BanTable.Attempt attempt = underWay.isEmpty() ? null : underWay.remove(exchange);
        try {
            if (status.code() != 403) {
                return;
            }
            InetSocketAddress client = exchange.client();
            if (client == null || !isPinAttempt(exchange) || exempt.test(client.getAddress())) {
                return;
            }
            table.failure(client.getAddress());
        } finally {
            // After the failure is counted: the attempt counts until then.
            if (attempt != null) {
                table.attemptEnded(attempt);
            }
        }
    }

    /**
     * Whether the node may have read {@code path} as a token request: it answered 403, so it took the
     * request for one, however it was spelt ({@code request%5Ftoken}, {@code request_token;x},
     * {@code request_token/.}, ...). Matched as {@link RequestPath} reads it, in any letter case:
     * some servers ignore case (IIS), and a 403 to a POST spelt like a token request is a wrong PIN
     * whichever the node is; counting only the spelling a test client sends would let a guesser
     * change spelling every few attempts and never be banned. A path no reading can be made of is
     * matched as sent.
     */
    static boolean isTokenRequest(String path) {
        List<String> readings = RequestPath.readings(path);
        for (String p : readings == null ? List.of(path) : readings) {
            if (endsWithIgnoreCase(p, TOKEN_REQUEST) || endsWithIgnoreCase(p, TOKEN_REQUEST + "/")) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsWithIgnoreCase(String s, String suffix) {
        return s.regionMatches(true, s.length() - suffix.length(), suffix, 0, suffix.length());
    }

    /** Answers 429, to be tried again in {@code remaining} seconds (Retry-After). */
    private void refuse(HttpExchange exchange, long remaining, String why) {
        String page = "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1>"
                + "<p>" + why + " Try again in " + remaining + (remaining == 1 ? " second" : " seconds") + ".</p></body></html>\n";
        ByteBuf body = ByteBufUtil.writeUtf8(exchange.alloc(), page);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.RETRY_AFTER, remaining)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        exchange.head(head);
        exchange.end(new DefaultLastHttpContent(body));
    }
}
