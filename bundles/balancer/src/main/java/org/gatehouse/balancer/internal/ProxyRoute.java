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

    private final Pool pool;
    private final Class<? extends SocketChannel> channelClass;

    ProxyRoute(Pool pool, Class<? extends SocketChannel> channelClass) {
        this.pool = pool;
        this.channelClass = channelClass;
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
        Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
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
