package org.gatehouse.balancer.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a connection to a node: passes what the node sends to the exchange using the
 * connection, and closes the connection when it has sat kept-alive for too long or the node closes it.
 * It also keeps the deadline of whatever the connection waits for (the answer of the exchange using
 * it, or the next request while kept alive) with one lazily moved timer: a deadline set, cleared and
 * set again for every request costs a field write, not a scheduled task and its cancellation; the
 * timer, when it fires early, moves on to the current deadline.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    final Node node;
    /** The TLS settings the connection was made with: a connection made under older ones is not reused. */
    final UpstreamTls tls;
    private ProxyExchange exchange;
    private ChannelHandlerContext ctx;
    private boolean parked;
    /** System.nanoTime() at which the current wait ends; 0: no deadline. */
    private long deadline;
    private ScheduledFuture<?> check;
    private long checkAt;
    private final Runnable checkTask = this::check;

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
        parked = false;
        deadline = 0;
    }

    /** The connection waits for the next request: closed after {@code seconds} if none comes. */
    void parked(int seconds) {
        exchange = null;
        parked = true;
        watch(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
    }

    void detach() {
        exchange = null;
    }

    /** The exchange using this connection (or the keep-alive wait) ends at {@code nanoTime}. */
    void watch(long nanoTime) {
        deadline = nanoTime == 0 ? 1 : nanoTime;
        if (check != null && checkAt - deadline <= 0) {
            return;
        }
        if (check != null) {
            check.cancel(false);
        }
        checkAt = deadline;
        check = ctx.executor().schedule(checkTask, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** No deadline any more (the answer began, the exchange ended). */
    void unwatch() {
        deadline = 0;
    }

    private void check() {
        check = null;
        if (deadline == 0) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            checkAt = deadline;
            check = ctx.executor().schedule(checkTask, left, TimeUnit.NANOSECONDS);
            return;
        }
        deadline = 0;
        ProxyExchange x = exchange;
        if (x != null) {
            x.timedOut();
        } else if (parked) {
            node.unpark(ctx.channel().eventLoop(), ctx.channel());
            ctx.close();
        }
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
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ProxyExchange x = exchange;
        if (x != null) {
            x.nodeReadComplete();
        }
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
        deadline = 0;
        if (check != null) {
            check.cancel(false);
            check = null;
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
