package org.gatehouse.balancer.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.Deadline;

/**
 * The last handler of a connection to a node: passes what the node sends to the exchange using the
 * connection, and closes the connection when it has sat kept-alive for too long or the node closes it.
 * It also keeps the deadline of whatever the connection waits for (the answer of the exchange using
 * it, or the next request while kept alive) as one {@link Deadline}.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    final Node node;
    /** The TLS settings the connection was made with: a connection made under older ones is not reused. */
    final UpstreamTls tls;
    private ProxyExchange exchange;
    private ChannelHandlerContext ctx;
    private boolean parked;
    private Deadline deadline;
    private NodeCodec codec;
    /** The answer ended in the read under way: kept (up to this many per loop) once the read ends; -1: not. */
    private int parkMax = -1;
    private int parkSeconds;

    UpstreamHandler(Node node, UpstreamTls tls) {
        this.node = node;
        this.tls = tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.deadline = new Deadline(ctx.executor(), this::expired);
        this.codec = ctx.pipeline().get(NodeCodec.class);
    }

    void attach(ProxyExchange x) {
        exchange = x;
        parked = false;
        deadline.clear();
    }

    /**
     * The answer has ended in the read under way: the connection is kept for the next request (up to
     * {@code max} per I/O thread, closed after {@code seconds} unused) once that read has ended and
     * brought nothing more. Not before: bytes of the node beyond its answer may still come in the same
     * read (a TLS record of their own), and a pipelined request handed on meanwhile must not take the
     * connection and read them as its answer.
     */
    void parkAfterRead(int max, int seconds) {
        parkMax = max;
        parkSeconds = seconds;
    }

    /** The connection waits for the next request: closed after {@code seconds} if none comes. */
    private void parked(int seconds) {
        exchange = null;
        parked = true;
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
    }

    void detach() {
        exchange = null;
    }

    /** The exchange using this connection (or the keep-alive wait) ends at {@code nanoTime}. */
    void watch(long nanoTime) {
        deadline.set(nanoTime);
    }

    /** No deadline any more (the answer began, the exchange ended). */
    void unwatch() {
        deadline.clear();
    }

    private void expired() {
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
        if (parkMax >= 0) {
            int max = parkMax;
            parkMax = -1;
            if (codec.reusable() && ctx.channel().isActive() && node.park(ctx.channel().eventLoop(), ctx.channel(), max)) {
                parked(parkSeconds);
            } else {
                ctx.close();
            }
            return;
        }
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
        deadline.cancel();
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
