package org.gatehouse.balancer.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import org.gatehouse.core.EventLoops;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;

/** The route a pool serves on the HTTPS front door: each request becomes a {@link ProxyExchange}. */
final class ProxyRoute implements HttpRoute {

    /** Longest answer head line and header section a node may send. */
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_SIZE = 65536;
    private static final int MAX_CHUNK = 65536;

    /**
     * The answer decoder's limits; its fields are not validated as they are decoded, but once, by
     * {@link Headers#toClient}, in the pass that removes the hop-by-hop ones (the same rules:
     * token names, no control character in values). The trailers of a chunked answer are validated here.
     */
    private static final HttpDecoderConfig DECODER = new HttpDecoderConfig().setMaxInitialLineLength(MAX_INITIAL_LINE)
            .setMaxHeaderSize(MAX_HEADER_SIZE).setMaxChunkSize(MAX_CHUNK)
            .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));

    /**
     * TCP keepalive toward nodes: a node gone without closing (powered off, cut off by a network
     * fault) is found within 60 + 6 x 10 s. Nothing is ever written on an event stream's connection,
     * which otherwise stayed open for good, its client waiting for events that never come instead of
     * reconnecting to a node that serves.
     */
    static final int KEEPALIVE_IDLE_SECONDS = 60;
    static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    static final int KEEPALIVE_PROBES = 6;

    private final Pool pool;
    private final EventLoops loops;

    ProxyRoute(Pool pool, EventLoops loops) {
        this.pool = pool;
        this.loops = loops;
    }

    Pool pool() {
        return pool;
    }

    @Override
    public void handle(HttpExchange exchange) {
        new ProxyExchange(this, pool, exchange).start();
    }

    /** A new connection to {@code node} on the client's event loop; complete once TLS is established. */
    ChannelFuture connect(Node node, UpstreamTls tls, int connectTimeoutSeconds, EventLoop loop) {
        return connect(node, tls, connectTimeoutSeconds, loop, new UpstreamHandler(node, tls));
    }

    /** The same, ending in {@code last} instead of the handler that serves exchanges (health checks). */
    ChannelFuture connect(Node node, UpstreamTls tls, int connectTimeoutSeconds, EventLoop loop, io.netty.channel.ChannelHandler last) {
        Bootstrap b = loops.keepAlive(new Bootstrap(), KEEPALIVE_IDLE_SECONDS, KEEPALIVE_INTERVAL_SECONDS, KEEPALIVE_PROBES)
                .group(loop).channel(loops.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutSeconds * 1000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null && tls.enabled()) {
                            SslHandler h = tls.handler(ch.alloc(), node.spec());
                            // connect-timeout bounds the handshake too (Netty's own default is 10 s).
                            h.setHandshakeTimeoutMillis(connectTimeoutSeconds * 1000L);
                            ch.pipeline().addLast("tls", h);
                        }
                        ch.pipeline().addLast("http", new NodeCodec(DECODER.clone()));
                        ch.pipeline().addLast("node", last);
                    }
                });
        ChannelFuture connected = b.connect(node.socketAddress());
        if (tls == null || !tls.enabled()) {
            return connected;
        }
        io.netty.channel.ChannelPromise ready = connected.channel().newPromise();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            connected.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    ready.trySuccess();
                } else {
                    ready.tryFailure(new javax.net.ssl.SSLException("TLS with the node failed: " + UpstreamTls.reason(h.cause()), h.cause()));
                    connected.channel().close();
                }
            });
        });
        return ready;
    }
}
