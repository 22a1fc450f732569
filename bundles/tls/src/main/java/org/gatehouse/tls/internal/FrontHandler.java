package org.gatehouse.tls.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.gatehouse.core.Deadline;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;

/**
 * One client connection of the HTTPS front door (or, with {@code redirectOnly}, of the plain HTTP
 * listener, which answers everything with a 301 to HTTPS). Requests are served one at a time in
 * order; pipelined ones wait. Limits: a header-read deadline from the first byte of a request head
 * (slow-header clients are cut off), an idle timeout between requests. Never an open proxy: CONNECT
 * and absolute-form targets naming another host are refused, and only configured routes answer.
 */
final class FrontHandler extends ChannelInboundHandlerAdapter implements RequestReader.HeadTimer {


    private final Supplier<Front> front;
    private final boolean secure;
    private final boolean redirectOnly;
    private ChannelHandlerContext ctx;
    /** The connection's answer encoder, looked up once. */
    private ResponseEncoder encoder;
    private RequestReader reader;
    private Exchange current;
    /** An exchange whose answer was under way when an error answer took its place ({@link #answerAndClose}): told when the connection closes. */
    private Exchange displaced;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /**
     * What the connection waits for, and until when: the rest of a request head (header-read
     * deadline), the next request (idle timeout), or the rest of a request body answered before it
     * ended (idle timeout from the answer), as one {@link Deadline}: set and cleared twice per
     * request, it costs field writes, not scheduled tasks and cancellations.
     */
    private static final int NOTHING = 0, HEAD = 1, IDLE = 2, BODY = 3;
    private int waitingFor = NOTHING;
    private Deadline deadline;
    private int headSeconds;
    /**
     * A pipelined request head began arriving while an exchange was under way: its header-read
     * deadline starts when that exchange has finished (a 408 then would have taken the place of the
     * answer under way, or been written into the middle of its body: an event stream's, say).
     */
    private boolean headPending;
    /**
     * The front closed the connection (an answer that closes it, a timeout, a failed route). The
     * reader may still hand on requests it framed from bytes it had already received (a pipelined
     * request behind a refused one, in the same read): they are dropped, never routed.
     */
    private boolean closing;
    /** A response head was written and nothing has flushed it yet; {@link #flushHead} will. */
    private boolean headUnflushed;
    private final Runnable flushHead = () -> {
        if (headUnflushed) {
            headUnflushed = false;
            ctx.flush();
        }
    };

    FrontHandler(Supplier<Front> front, boolean secure, boolean redirectOnly) {
        this.front = front;
        this.secure = secure;
        this.redirectOnly = redirectOnly;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.reader = ctx.pipeline().get(RequestReader.class);
        this.deadline = new Deadline(ctx.executor(), this::expired);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armIdle();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimers();
        if (current != null) {
            current.closed();
        }
        if (displaced != null) {
            displaced.closed();
        }
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }

    // ---- timers

    @Override
    public void headStarted() {
        if (current != null && !(current.responseDone && current.requestDone)) {
            headPending = true;
            return;
        }
        armHead();
    }

    private void armHead() {
        if (waitingFor != HEAD) {
            headSeconds = front.get().settings().headerReadTimeoutSeconds();
            waitingFor = HEAD;
            deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(headSeconds));
        }
    }

    @Override
    public void headComplete() {
        headPending = false;
        if (waitingFor == HEAD) {
            waitingFor = NOTHING;
            deadline.clear();
        }
    }

    private void armIdle() {
        waitingFor = IDLE;
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(front.get().settings().idleTimeoutSeconds()));
    }

    /**
     * The request was answered before its body ended (a 404, a refusal, a node's early answer): the
     * rest of the body is read and dropped, so that the connection can carry the next request if the
     * body ends within idle-timeout seconds of the answer; else the connection is closed (the client
     * has had its answer; like nginx's lingering_time, one total, not a time per part, which a body
     * sent a byte at a time would renew). Reading goes on even if the route had paused it.
     */
    private void discardRestOfBody() {
        waitingFor = BODY;
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(front.get().settings().idleTimeoutSeconds()));
        if (waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    private void expired() {
        int expired = waitingFor;
        waitingFor = NOTHING;
        if (expired == HEAD) {
            if (ctx.channel().isActive()) {
                answerAndClose(null, HttpResponseStatus.REQUEST_TIMEOUT, "the request head did not arrive within " + headSeconds + " s");
            }
        } else if (expired == BODY || current == null) {
            close();
        }
    }

    private void close() {
        closing = true;
        ctx.close();
    }

    private void cancelTimers() {
        waitingFor = NOTHING;
        deadline.cancel();
    }

    // ---- requests

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && current.responseDone && current.requestDone) {
            current = null;
        }
        if (current != null && (current.requestDone || current.filtering)) {
            // A pipelined request: it waits until the current response has ended. Or the body of a
            // request whose filters are still deciding: it waits for them.
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof RequestReader.Rejected) {
            RequestReader.Rejected r = (RequestReader.Rejected) msg;
            answerAndClose(null, r.status(), r.reason());
        } else if (msg instanceof HttpRequest) {
            begin((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            HttpContent content = (HttpContent) msg;
            Exchange x = current;
            if (x == null) {
                content.release();
                return;
            }
            if (content instanceof LastHttpContent) {
                x.requestDone = true;
            }
            int n = content.content().readableBytes();
            x.bodySeen |= n > 0;
            if (x.body != null && !x.responseDone) {
                x.bodyBytes += n;
                if (x.mount != null && x.mount.maxBody() > 0 && x.bodyBytes > x.mount.maxBody()) {
                    // Past the route's own limit (a chunked body, or one whose parts came before the
                    // route was chosen): refused as the reader refuses past max-body.
                    content.release();
                    reader.refuseRest();
                    answerAndClose(null, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + x.mount.maxBody() + " bytes");
                    return;
                }
                x.body.accept(content);
            } else {
                content.release();
            }
            if (x.requestDone && x.responseDone) {
                finished(x);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(HttpRequest request) {
        Front f = front.get();
        Exchange x = new Exchange(request, f);
        current = x;
        if (waitingFor == HEAD) {
            // The reader framed this request and went on to the start of the next head in the same
            // read, before this one was dispatched: that head's deadline waits for this exchange.
            headPending = true;
            waitingFor = NOTHING;
            deadline.clear();
        }
        if (redirectOnly) {
            redirect(x, f);
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            x.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not served: this is not a proxy");
            return;
        }
        if (request.method().equals(HttpMethod.TRACE)) {
            // As nginx: a node that echoes a TRACE would hand back the client's cookies and credentials
            // (cross-site tracing), and no conferencing client needs it.
            x.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "TRACE is not served");
            return;
        }
        String target = request.uri();
        if (target.startsWith("http://") || target.startsWith("https://")) {
            String host;
            try {
                URI u = new URI(target);
                host = u.getHost();
                String rest = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                request.setUri(u.getRawQuery() == null ? rest : rest + "?" + u.getRawQuery());
            } catch (java.net.URISyntaxException e) {
                x.error(HttpResponseStatus.BAD_REQUEST, "malformed request target");
                return;
            }
            if (host == null || !host.equalsIgnoreCase(hostOnly(request.headers().get(HttpHeaderNames.HOST)))) {
                x.error(HttpResponseStatus.BAD_REQUEST, "the request target names another host: this is not a proxy");
                return;
            }
        } else if (target.equals("*") && request.method().equals(HttpMethod.OPTIONS)) {
            x.respond(HttpResponseStatus.NO_CONTENT, null, null);
            return;
        } else if (!target.startsWith("/")) {
            x.error(HttpResponseStatus.BAD_REQUEST, "the request target must be a path");
            return;
        }
        filter(x, f.filters(), 0);
    }

    /**
     * Runs the filters from {@code from} on, then the route. A filter whose answer is pending stops
     * reading from the client (body parts already read wait in {@link #waiting}); its answer is taken
     * back on this event loop, where a client that closed meanwhile ends the exchange.
     */
    private void filter(Exchange x, List<HttpFilter> filters, int from) {
        for (int i = from; i < filters.size(); i++) {
            CompletableFuture<Boolean> answer = ask(filters.get(i), x);
            if (!answer.isDone()) {
                int next = i + 1;
                x.filtering = true;
                ctx.channel().config().setAutoRead(false);
                answer.whenComplete((go, failure) -> ctx.executor().execute(() -> resume(x, filters, next, answer)));
                return;
            }
            if (!passed(x, filters.get(i), answer)) {
                return;
            }
        }
        route(x, x.front.route(x.path()));
    }

    /** A pending filter answered: on with the chain (or not), then the body parts read meanwhile. */
    private void resume(Exchange x, List<HttpFilter> filters, int next, CompletableFuture<Boolean> answer) {
        x.filtering = false;
        if (current != x || !ctx.channel().isActive()) {
            return;
        }
        ctx.channel().config().setAutoRead(true);
        if (passed(x, filters.get(next - 1), answer)) {
            filter(x, filters, next);
        }
        while (!closing && current == x && !x.filtering && !x.requestDone && !waiting.isEmpty()) {
            dispatch(waiting.poll());
        }
        if (!waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private static CompletableFuture<Boolean> ask(HttpFilter filter, Exchange x) {
        try {
            return filter.check(x).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether the request goes on after a filter's answer; when not, it has been answered. */
    private boolean passed(Exchange x, HttpFilter filter, CompletableFuture<Boolean> answer) {
        boolean go;
        try {
            go = Boolean.TRUE.equals(answer.join());
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            TlsComponentLog.LOG.warn("TLS: filter {} failed on {} {}: {}", filter.getClass().getName(), x.request.method(),
                    AccessLog.filter(x.request.uri()), cause.toString());
            if (!x.responseStarted) {
                x.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the request could not be served");
            }
            return false;
        }
        if (!go || x.responseStarted) {
            if (!x.responseStarted) {
                x.error(HttpResponseStatus.FORBIDDEN, "refused");
            }
            return false;
        }
        return true;
    }

    private void route(Exchange x, Front.Mount mount) {
        HttpRequest request = x.request;
        if (mount == null) {
            x.error(HttpResponseStatus.NOT_FOUND, "nothing is served at " + x.path());
            return;
        }
        x.mount = mount;
        long limit = mount.maxBody();
        if (limit > 0 && limit < x.front.settings().limits().body()) {
            // A route's own limit below max-body (which the reader held the request to already):
            // refused before any of the body reaches the route.
            long declared = HttpUtil.getContentLength(request, -1L);
            if (declared > limit) {
                answerAndClose(x, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Content-Length " + declared + " above " + limit);
                return;
            }
        }
        try {
            mount.route().handle(x);
        } catch (RuntimeException e) {
            TlsComponentLog.LOG.warn("TLS: route for {} failed on {} {}: {}", mount.prefix(), request.method(), AccessLog.filter(request.uri()), e.toString());
            if (!x.responseStarted) {
                x.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the request could not be served");
            } else {
                close();
            }
        }
    }

    static String hostOnly(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end < 0 ? hostHeader : hostHeader.substring(1, end);
        }
        int colon = hostHeader.lastIndexOf(':');
        return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
    }

    private void redirect(Exchange x, Front f) {
        String host = hostOnly(x.request.headers().get(HttpHeaderNames.HOST));
        if (host == null || host.isEmpty() || !host.matches("[A-Za-z0-9.:\\-\\[\\]]+")) {
            host = f.settings().fqdn();
        }
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        int port = f.settings().publicHttpsPort();
        String location = "https://" + host + (port == 443 ? "" : ":" + port) + redirectTarget(x.request.uri());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        x.full(r);
    }

    /**
     * The path and query a redirect keeps: an origin-form target as it is, an absolute-form one's
     * (RFC 9112 3.2.2: {@code http://host/path?query}, which a client may send) likewise, anything
     * else {@code /}. Raw, as sent: nothing decoded can put a CR or LF into Location (Netty refuses
     * them in a header value, and the request line could not carry them).
     */
    static String redirectTarget(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            try {
                URI u = new URI(uri);
                String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                return u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
            } catch (java.net.URISyntaxException e) {
                return "/";
            }
        }
        return "/";
    }

    private void answerAndClose(Exchange existing, HttpResponseStatus status, String reason) {
        Exchange x = existing != null ? existing : current != null && !current.responseStarted ? current : null;
        if (x == null) {
            displaced = current;
            x = new Exchange(null, front.get());
            current = x;
        }
        x.requestDone = true;
        x.closeAfter = true;
        x.error(status, reason);
    }

    /** Both the request and the response are complete: log, then the next request or close. */
    private void finished(Exchange x) {
        if (current == x) {
            current = null;
        }
        if (x.closeAfter || !ctx.channel().isActive()) {
            close();
            return;
        }
        armIdle();
        ctx.channel().config().setAutoRead(true);
        // The next request, then its body parts (its end above all: a bodyless request's too), as
        // channelRead would have handed them on: a route that answers later (a node) waits for them.
        // Never past an answer that closed the connection (a pipelined Connection: close answered at
        // once): what the client sent behind it is no one's.
        Exchange c;
        while (!closing && !waiting.isEmpty() && ((c = current) == null || !c.requestDone && !c.filtering)) {
            dispatch(waiting.poll());
        }
        if (current == null && headPending) {
            headPending = false;
            armHead();
        }
        if (!waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(false);
        } else {
            ctx.read();
        }
    }

    /** The exchange the route and filters see. */
    private final class Exchange implements HttpExchange {

        final HttpRequest request;
        final Front front;
        final long startNanos = System.nanoTime();
        Consumer<HttpContent> body;
        boolean requestDone;
        boolean responseStarted;
        boolean responseDone;
        boolean filtersTold;
        boolean closeAfter;
        /** A byte of the request's body has arrived. */
        boolean bodySeen;
        /** Body bytes handed to the route, held to its own limit. */
        long bodyBytes;
        /** 100 Continue was sent ({@link #sendContinue}). */
        boolean continueSent;
        boolean filtering;
        HttpResponseStatus status;
        long bytes;
        String upstream;
        Front.Mount mount;

        Exchange(HttpRequest request, Front front) {
            this.request = request;
            this.front = front;
            this.closeAfter = request == null || !HttpUtil.isKeepAlive(request);
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public String path() {
            String uri = request.uri();
            int q = uri.indexOf('?');
            int h = uri.indexOf('#');
            int end = q >= 0 ? q : h >= 0 ? h : uri.length();
            return uri.substring(0, end);
        }

        @Override
        public InetSocketAddress client() {
            return (InetSocketAddress) ctx.channel().remoteAddress();
        }

        @Override
        public boolean secure() {
            return secure;
        }

        @Override
        public EventLoop eventLoop() {
            return ctx.channel().eventLoop();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ctx.alloc();
        }

        @Override
        public Channel channel() {
            return ctx.channel();
        }

        @Override
        public void onBody(Consumer<HttpContent> consumer) {
            this.body = consumer;
        }

        @Override
        public void pauseBody() {
            ctx.channel().config().setAutoRead(false);
        }

        @Override
        public void resumeBody() {
            ctx.channel().config().setAutoRead(true);
        }

        void error(HttpResponseStatus s, String reason) {
            String page = "<!DOCTYPE html>\n<html><head><title>" + s.code() + " " + s.reasonPhrase() + "</title></head><body><h1>"
                    + s.code() + " " + s.reasonPhrase() + "</h1><p>" + escapeHtml(reason) + "</p></body></html>\n";
            if (s.code() >= 400 && s.code() != 404 && s.code() != 405) {
                closeAfter = closeAfter || s.code() == 400 || s.code() == 408 || s.code() == 413 || s.code() == 414
                        || s.code() == 431 || s.code() == 505;
            }
            respond(s, "text/html; charset=utf-8", page);
        }

        @Override
        public void respond(HttpResponseStatus s, String contentType, String text) {
            ByteBuf content = text == null ? ctx.alloc().buffer(0) : ByteBufUtil.writeUtf8(ctx.alloc(), text);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, content);
            if (contentType != null) {
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            }
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            full(r);
        }

        void full(FullHttpResponse r) {
            if (responseStarted) {
                r.release();
                return;
            }
            framedWhole(r, r.content().readableBytes());
            decorate(r);
            responseStarted = true;
            status = r.status();
            bytes = r.content().readableBytes();
            // Answered before the body was read (or before its end was seen): the rest is read and dropped,
            // framed by the reader as always, and the connection then serves the next request.
            if (closeAfter) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            tellFilters();
            answering();
            ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> done());
        }

        private void decorate(HttpResponse r) {
            HttpHeaders h = r.headers();
            h.set(HttpHeaderNames.DATE, HttpDate.now());
            // Pre-encoded names and values (FrontSettings.SecurityFields): hashed and copied, not re-encoded.
            FrontSettings.SecurityFields f = front.settings().fields();
            if (secure && f.hsts() != null) {
                h.set(FrontSettings.STRICT_TRANSPORT_SECURITY, f.hsts());
            }
            if (f.contentTypeOptions() != null) {
                h.set(FrontSettings.X_CONTENT_TYPE_OPTIONS, f.contentTypeOptions());
            }
            if (f.referrerPolicy() != null && !h.contains(FrontSettings.REFERRER_POLICY)) {
                h.set(FrontSettings.REFERRER_POLICY, f.referrerPolicy());
            }
            if (f.contentSecurityPolicy() != null && !h.contains(FrontSettings.CONTENT_SECURITY_POLICY)) {
                h.set(FrontSettings.CONTENT_SECURITY_POLICY, f.contentSecurityPolicy());
            }
            if (request != null && !continueSent && !requestDone && !bodySeen && HttpUtil.is100ContinueExpected(request)
                    && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0) && !bodyWaiting()) {
                // Answered while the client waits to be asked for its body (Expect: 100-continue): it
                // may send it or not (RFC 9110 10.1.1), and the connection cannot tell the body from
                // its next request. Closed after this answer, as Apache httpd does.
                closeAfter = true;
            }
            if (request != null && request.protocolVersion() == HttpVersion.HTTP_1_0 && !closeAfter) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }

        /** Whether {@code r} would reach an HTTP/1.0 client, which reads no chunks, in chunks or without a length. */
        private boolean unframedFor10(HttpResponse r) {
            return request != null && request.protocolVersion() == HttpVersion.HTTP_1_0 && mayHaveBody(r)
                    && (HttpUtil.isTransferEncodingChunked(r) || !r.headers().contains(HttpHeaderNames.CONTENT_LENGTH));
        }

        /** Such an answer whose body comes in pieces is sent as it comes, ended by closing the connection. */
        private void framedByClose(HttpResponse r) {
            if (unframedFor10(r)) {
                HttpUtil.setTransferEncodingChunked(r, false);
                r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
                closeAfter = true;
            }
        }

        /** Such an answer whose body is all here goes with its length. */
        private void framedWhole(HttpResponse r, int length) {
            if (unframedFor10(r)) {
                HttpUtil.setTransferEncodingChunked(r, false);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
            }
        }

        /** Tells the encoder whether this answer is to a HEAD (its body, if any is given, then not written). */
        private void answering() {
            ResponseEncoder e = encoder;
            if (e == null) {
                e = ctx.pipeline().get(ResponseEncoder.class);
                encoder = e;
            }
            if (e != null) {
                e.answering(request != null && HttpMethod.HEAD.equals(request.method()));
            }
        }

        private boolean mayHaveBody(HttpResponse r) {
            int code = r.status().code();
            return !HttpMethod.HEAD.equals(request.method()) && code >= 200 && code != 204 && code != 304;
        }

        @Override
        public ChannelFuture head(HttpResponse response) {
            if (responseStarted) {
                throw new IllegalStateException("the response has started");
            }
            framedByClose(response);
            decorate(response);
            responseStarted = true;
            status = response.status();
            if (closeAfter) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            // Not flushed at once: a body written in the same task goes out with the head in one TLS
            // record and one system call. A route that writes nothing more now (an event stream
            // waiting for its first event) still has its head sent when the current task ends; when
            // the body did flush it, that task does nothing (an empty flush still runs the TLS
            // handler's wrap).
            answering();
            ChannelFuture f = ctx.write(response);
            if (!headUnflushed) {
                headUnflushed = true;
                ctx.channel().eventLoop().execute(flushHead);
            }
            return f;
        }

        @Override
        public ChannelFuture write(HttpContent content) {
            bytes += content.content().readableBytes();
            headUnflushed = false;
            return ctx.writeAndFlush(content);
        }

        @Override
        public ChannelFuture end(LastHttpContent last) {
            bytes += last.content().readableBytes();
            headUnflushed = false;
            tellFilters();
            ChannelFuture f = ctx.writeAndFlush(last);
            f.addListener((ChannelFutureListener) done -> done());
            return f;
        }

        @Override
        public ChannelFuture respond(HttpResponse head, LastHttpContent last) {
            if (responseStarted) {
                throw new IllegalStateException("the response has started");
            }
            // One message: the encoder writes head and body in one go (no second pass through the
            // pipeline, no deferred flush of the head).
            FullHttpResponse r = new DefaultFullHttpResponse(head.protocolVersion(), head.status(), last.content(), head.headers(),
                    last.trailingHeaders());
            framedWhole(r, last.content().readableBytes());
            decorate(r);
            responseStarted = true;
            status = r.status();
            bytes = last.content().readableBytes();
            if (closeAfter) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            headUnflushed = false;
            tellFilters();
            answering();
            ChannelFuture f = ctx.writeAndFlush(r);
            f.addListener((ChannelFutureListener) done -> done());
            return f;
        }

        @Override
        public ChannelFuture upgrade(HttpResponse switching, ChannelHandler relay) {
            if (responseStarted) {
                throw new IllegalStateException("the response has started");
            }
            responseStarted = true;
            status = switching.status();
            decorate(switching);
            cancelTimers();
            // What the client sent before the switch was read as HTTP (RFC 6455 4.1: a client waits
            // for the 101): it cannot be handed to the relay as the bytes it was, so it is dropped
            // and the connection closes after the 101. Released here: once this handler is out of
            // the pipeline, channelInactive no longer releases it.
            boolean early = !waiting.isEmpty();
            waiting.forEach(ReferenceCountUtil::release);
            waiting.clear();
            ChannelFuture f = ctx.writeAndFlush(switching);
            if (early) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            ChannelPipeline p = ctx.pipeline();
            p.addLast("upgraded", relay);
            p.remove(FrontHandler.this);
            p.remove(HttpResponseEncoder.class);
            // The reader hands whatever it holds past the request head to the relay as it leaves.
            p.remove(RequestReader.class);
            responseDone = true;
            current = null;
            log();
            ctx.channel().config().setAutoRead(true);
            return f;
        }

        @Override
        public boolean pass() {
            if (responseStarted || body != null) {
                throw new IllegalStateException("pass() after the route answered or took the body");
            }
            Front.Mount next = front.next(path(), mount);
            if (next == null) {
                return false;
            }
            route(this, next);
            return true;
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }

        @Override
        public void upstream(String address) {
            this.upstream = address;
        }

        @Override
        public boolean isDone() {
            return responseDone;
        }

        @Override
        public boolean responseStarted() {
            return responseStarted;
        }

        @Override
        public void sendContinue() {
            if (request != null && !continueSent && !responseStarted && HttpUtil.is100ContinueExpected(request)) {
                continueSent = true;
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
        }

        /** Whether a part of this request's body has been read and waits to be handed on (a filter deciding). */
        private boolean bodyWaiting() {
            for (Object m : waiting) {
                if (m instanceof HttpRequest) {
                    return false;
                }
                if (m instanceof HttpContent && ((HttpContent) m).content().isReadable()) {
                    return true;
                }
            }
            return false;
        }

        private void done() {
            if (responseDone) {
                return;
            }
            responseDone = true;
            log();
            if (requestDone) {
                finished(this);
            } else if (closeAfter) {
                close();
            } else {
                discardRestOfBody();
            }
        }

        /**
         * Filters learn the status once, as the response's last part is handed to the connection and
         * before it is written: a client cannot read an answer (a 403 to a wrong PIN) and send its
         * next request before the filter counted it.
         */
        private void tellFilters() {
            if (filtersTold) {
                return;
            }
            filtersTold = true;
            for (HttpFilter filter : front.filters()) {
                try {
                    filter.afterResponse(this, status);
                } catch (RuntimeException e) {
                    TlsComponentLog.LOG.warn("TLS: filter {} failed after a response: {}", filter.getClass().getName(), e.toString());
                }
            }
        }

        void closed() {
            if (!responseDone) {
                responseDone = true;
                if (status == null) {
                    status = HttpResponseStatus.valueOf(499, "Client Closed Request");
                }
                // Told all the same: a filter may count what is under way (a PIN attempt), and a
                // client that closes on seeing a 403's head must not take the attempt with it.
                tellFilters();
                log();
            }
        }

        private void log() {
            // The log in force now, not the one at the exchange's start: an event stream open for hours
            // outlives a change of access-log, which closes the old one.
            Front now = FrontHandler.this.front.get();
            AccessLog log = (now == null ? front : now).accessLog();
            if (log == null) {
                return;
            }
            InetSocketAddress c = (InetSocketAddress) ctx.channel().remoteAddress();
            String client = c == null ? "-" : c.getAddress().getHostAddress();
            long micros = (System.nanoTime() - startNanos) / 1000;
            if (request == null) {
                log.log(client, null, "-", "-", "-", status.code(), bytes, null, null, upstream, micros);
            } else {
                log.log(client, null, request.method().name(), request.uri(), request.protocolVersion().text(), status.code(), bytes,
                        request.headers().get(HttpHeaderNames.REFERER), request.headers().get(HttpHeaderNames.USER_AGENT), upstream,
                        micros);
            }
        }
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // TLS alerts, resets and the like: nothing to answer on a broken connection.
        close();
    }


}
