package org.gatehouse.status.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.function.Supplier;

/**
 * Answers one management connection: {@code GET /metrics} (Prometheus text), {@code GET /} (the
 * status page), 404 for any other path, 405 for any other method. HEAD gets the GET headers.
 */
final class StatusHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final Supplier<String> metrics;
    private final Supplier<String> page;
    private final java.util.function.Predicate<String> hostAllowed;

    StatusHandler(Supplier<String> metrics, Supplier<String> page, java.util.function.Predicate<String> hostAllowed) {
        this.metrics = metrics;
        this.page = page;
        this.hostAllowed = hostAllowed;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", "bad request\n", false, true);
            return;
        }
        HttpMethod method = request.method();
        boolean head = method.equals(HttpMethod.HEAD);
        if (!head && !method.equals(HttpMethod.GET)) {
            send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET and HEAD\n", false, false);
            return;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (!hostAllowed.test(host)) {
            send(ctx, request, HttpResponseStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8",
                    "this listener answers for its IP addresses, localhost, this host's name and the names in host-names"
                            + " (etc/org.gatehouse.status.cfg), not for " + printable(host) + "\n", head, true);
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        switch (path) {
            case "/metrics":
                send(ctx, request, HttpResponseStatus.OK, MetricFamilies.CONTENT_TYPE, metrics.get(), head, false);
                break;
            case "/":
                send(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8", page.get(), head, false);
                break;
            default:
                send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        "not found: this listener serves /metrics and /\n", head, false);
        }
    }

    /** {@code text} with anything but printable ASCII replaced, at most 100 characters. */
    private static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && i < 100; i++) {
            char c = text.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String type, String body,
            boolean headOnly, boolean close) {
        ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
        int length = content.readableBytes();
        if (headOnly) {
            content.release();
            content = Unpooled.EMPTY_BUFFER;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set("X-Content-Type-Options", "nosniff");
        // Inline style only; nothing else may load or run, whatever a value on the page contains.
        r.headers().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        boolean keepAlive = !close && HttpUtil.isKeepAlive(request);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        } else if (!ctx.channel().isWritable()) {
            // A client pipelining requests without reading the answers: read no more of them until it
            // has taken these (the read timeout closes it if it never does), rather than queue
            // answers without bound.
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Read timeouts, resets: nothing to answer.
        ctx.close();
    }
}
