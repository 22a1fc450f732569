package org.gatehouse.balancer.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a connection to a node: passes what the node sends to the exchange using the
 * connection, and closes the connection when it has sat kept-alive for too long or the node closes it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    final Node node;
    /** The TLS settings the connection was made with: a connection made under older ones is not reused. */
    final UpstreamTls tls;
    private ProxyExchange exchange;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> idleClose;

    UpstreamHandler(Node node, UpstreamTls tls) {
        this.node = node;
        this.tls = tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    void attach(ProxyExchange x) {
        exchange = x;
        if (idleClose != null) {
            idleClose.cancel(false);
            idleClose = null;
        }
    }

    /** The connection waits for the next request: closed after {@code seconds} if none comes. */
    void parked(int seconds) {
        exchange = null;
        idleClose = ctx.executor().schedule(() -> {
            node.unpark(ctx.channel().eventLoop(), ctx.channel());
            ctx.close();
        }, seconds, TimeUnit.SECONDS);
    }

    void detach() {
        exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ProxyExchange x = exchange;
        if (x == null) {
            // A kept-alive connection has nothing to say: whatever it sends is garbage.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        x.fromNode(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ProxyExchange x = exchange;
        if (x != null) {
            x.nodeWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleClose != null) {
            idleClose.cancel(false);
        }
        node.unpark(ctx.channel().eventLoop(), ctx.channel());
        ProxyExchange x = exchange;
        exchange = null;
        if (x != null) {
            x.nodeClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyExchange x = exchange;
        exchange = null;
        if (x != null) {
            x.nodeClosed(cause);
        }
        ctx.close();
    }
}
