package org.gatehouse.balancer.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A conferencing node stand-in on loopback (Netty, plain or TLS with a self-signed certificate).
 * Paths: {@code /id} answers its name; {@code /headers} the request's header fields; POST
 * {@code /echo} the body; {@code /events} opens an event stream ({@link #send} pushes an event to
 * every open one); {@code /ws} is a WebSocket echo; {@code /close} closes without answering;
 * {@code /garbage} answers with a header field too long for any proxy, {@code /badfield} with a control
 * character in a field value, {@code /badchunk} with a head and a broken chunk in one write; {@code /hang} never answers;
 * {@code /overlong} and {@code /late} send bytes after a whole answer (in the same write, 100 ms later),
 * {@code /headbody} a body whatever the method (HEAD too); {@code /cut} starts an answer and closes mid-body; {@code /stall} starts one and goes silent;
 * {@code /health} answers {@link #healthStatus}; {@code /big} answers 32 MB. {@link #broken} makes every request close.
 */
final class TestNode implements AutoCloseable {

    final String name;
    final String host;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup streams = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final AtomicInteger requests = new AtomicInteger();
    /** Connections accepted since the start (a proxy that reuses its connections opens few). */
    final AtomicInteger accepted = new AtomicInteger();
    final Map<String, AtomicInteger> byPath = new ConcurrentHashMap<>();
    final SelfSignedCertificate certificate;
    private final Channel server;
    volatile boolean broken;
    /** Closes the connection of the next request without answering, once (an idle close meeting a reuse). */
    final java.util.concurrent.atomic.AtomicBoolean dropNext = new java.util.concurrent.atomic.AtomicBoolean();
    /** What {@code /health} answers (a health check's GET). */
    volatile int healthStatus = 200;
    /** The server name (SNI) the last TLS client asked for; null when it sent none. */
    volatile String serverName;
    /** WebSocket connections stop reading once upgraded (a hung node). */
    volatile boolean deafWebSockets;

    TestNode(String name, boolean tls) throws Exception {
        this(name, tls, 0);
    }

    TestNode(String name, boolean tls, int port) throws Exception {
        this(name, tls, "127.0.0.1", port);
    }

    /** On {@code host} (a loopback address: all of 127/8 is loopback on Linux). */
    TestNode(String name, boolean tls, String host, int port) throws Exception {
        this.name = name;
        this.host = host;
        this.certificate = tls ? new SelfSignedCertificate("node.example.com") : null;
        SslContext ssl = tls ? SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build() : null;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        accepted.incrementAndGet();
                        if (ssl != null) {
                            ch.pipeline().addLast(new SniHandler(host -> {
                                serverName = host;
                                return ssl;
                            }));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new DropNext(),
                                new WebSocketServerProtocolHandler("/ws", null, false, 1 << 20), new WebSocketFrameAggregator(1 << 20), new Handler());
                    }
                }).bind(host, port).sync().channel();
    }

    int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    String address() {
        return host + ":" + port();
    }

    int openConnections() {
        return connections.size();
    }

    int openStreams() {
        return streams.size();
    }

    /** An event to every open event stream. */
    void send(String data) {
        streams.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("data: " + data + "\n\n", StandardCharsets.UTF_8)));
    }

    private boolean closed;

    /** Stops listening and closes every connection; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** {@link #dropNext}, before any other handler (a WebSocket handshake's too). */
    private final class DropNext extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest && dropNext.compareAndSet(true, false)) {
                requests.incrementAndGet();
                byPath.computeIfAbsent(((FullHttpRequest) msg).uri(), p -> new AtomicInteger()).incrementAndGet();
                ((FullHttpRequest) msg).release();
                ctx.close();
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete && deafWebSockets) {
                ctx.channel().config().setAutoRead(false);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame) {
                ctx.writeAndFlush(new TextWebSocketFrame(name + ":" + ((TextWebSocketFrame) msg).text()));
                return;
            }
            if (!(msg instanceof FullHttpRequest)) {
                return;
            }
            FullHttpRequest req = (FullHttpRequest) msg;
            requests.incrementAndGet();
            String path = req.uri();
            byPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            if (broken || path.equals("/close")) {
                ctx.close();
                return;
            }
            switch (path) {
                case "/big": {
                    // 32 MB: more than every socket buffer between node and client holds.
                    ByteBuf body = Unpooled.wrappedBuffer(new byte[32 << 20]);
                    DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                    ctx.writeAndFlush(r);
                    return;
                }
                case "/health": {
                    DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(healthStatus));
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                case "/garbage":
                    ctx.pipeline().remove(HttpServerCodec.class);
                    ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nX-Endless: " + "x".repeat(70_000) + "\r\n\r\n", StandardCharsets.US_ASCII))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                case "/badchunk":
                    // A head, then a chunk size that is not hex, in one write: the proxy reads both at once.
                    ctx.pipeline().remove(HttpServerCodec.class);
                    ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                            StandardCharsets.US_ASCII));
                    return;
                case "/badfield":
                    // A control character in a field value: it must not reach the client.
                    ctx.pipeline().remove(HttpServerCodec.class);
                    ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nX-Split: a\u0001Injected: b\r\nContent-Length: 2\r\n\r\nok",
                            StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
                    return;
                case "/overlong":
                    // A whole answer, then the start of a head nobody asked for, in one write; the
                    // connection stays open and the node answers its next request normally.
                    rawKeepingCodec(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nX-Smuggled: yes");
                    return;
                case "/headbody":
                    // A body, whatever the method (HEAD too, whose answer has none).
                    rawKeepingCodec(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    return;
                case "/late": {
                    // A whole answer; 100 ms later, the start of a head nobody asked for.
                    rawKeepingCodec(ctx, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    ctx.executor().schedule(() -> rawKeepingCodec(ctx, "HTTP/1.1 404 Not Found\r\n"), 100, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return;
                }
                case "/hang":
                    return;
                case "/slow": {
                    // The answer after a second, on a connection the proxy then keeps.
                    ctx.executor().schedule(() -> {
                        DefaultFullHttpResponse slow = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                Unpooled.copiedBuffer(name, StandardCharsets.UTF_8));
                        slow.headers().set(HttpHeaderNames.CONTENT_LENGTH, slow.content().readableBytes());
                        ctx.writeAndFlush(slow);
                    }, 1, java.util.concurrent.TimeUnit.SECONDS);
                    return;
                }
                case "/stall": {
                    // The head and a first part of the body, then silence with the connection open.
                    DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100_000);
                    ctx.write(r);
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1000])));
                    return;
                }
                case "/cut": {
                    DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100_000);
                    ctx.write(r);
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1000]))).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                case "/events": {
                    DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
                    r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
                    ctx.writeAndFlush(r);
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(": open " + name + "\n\n", StandardCharsets.UTF_8)));
                    streams.add(ctx.channel());
                    return;
                }
                default:
                    break;
            }
            String body;
            if (path.equals("/headers")) {
                StringBuilder b = new StringBuilder();
                req.headers().forEach(e -> b.append(e.getKey().toLowerCase()).append(": ").append(e.getValue()).append('\n'));
                body = b.toString();
            } else if (path.equals("/echo")) {
                body = name + ":" + req.content().toString(StandardCharsets.UTF_8);
            } else {
                body = name;
            }
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            // What a node's software says of itself (proxy answers must not pass it on).
            r.headers().set(HttpHeaderNames.SERVER, "TestNode/1.2.3");
            r.headers().set("X-Powered-By", "TestNode runtime 4.5");
            boolean keep = HttpUtil.isKeepAlive(req);
            if (keep) {
                ctx.writeAndFlush(r);
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** {@code bytes} as they are, below the HTTP codec, which stays for the connection's next request. */
        private void rawKeepingCodec(ChannelHandlerContext ctx, String bytes) {
            ctx.pipeline().context(HttpServerCodec.class).writeAndFlush(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
