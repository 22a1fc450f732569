package org.gatehouse.tls.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.gatehouse.core.Deadline;

/**
 * Closes a client connection that has taken nothing of what was written to it for
 * {@code send-timeout} seconds, as nginx's {@code send_timeout} does. Whatever feeds the connection
 * (a file, a node's answer or event stream, a WebSocket) pauses while its write buffer is full;
 * without this, a client that stops reading would hold that pause, and the node connection behind it,
 * for as long as it keeps the TCP connection open.
 *
 * <p>Armed when the connection's write buffer passes its high-water mark, cleared when it drains below
 * the low one. When the time is up and the client took some bytes meanwhile, it waits another
 * period: only a client that took nothing for a whole period is cut off. It stays in the pipeline of
 * an upgraded connection. No timer exists while the connection drains normally.
 */
final class SendTimeout extends ChannelInboundHandlerAdapter {

    private final IntSupplier seconds;
    private ChannelHandlerContext ctx;
    private Deadline deadline;
    /** Bytes still to drain before the connection is writable again, when the period began. */
    private long pendingAtArm;

    /** {@code seconds} is read each time a period begins: a changed setting applies from the next one. */
    SendTimeout(IntSupplier seconds) {
        this.seconds = seconds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (deadline != null) {
                deadline.clear();
            }
        } else {
            arm();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel();
        }
        ctx.fireChannelInactive();
    }

    private void arm() {
        if (deadline == null) {
            deadline = new Deadline(ctx.executor(), this::expired);
        }
        pendingAtArm = ctx.channel().bytesBeforeWritable();
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds.getAsInt()));
    }

    private void expired() {
        Channel ch = ctx.channel();
        if (!ch.isActive() || ch.isWritable()) {
            return;
        }
        if (ch.bytesBeforeWritable() < pendingAtArm) {
            arm();
            return;
        }
        TlsComponentLog.LOG.debug("TLS: {} took nothing of its answer for {} s (send-timeout): connection closed",
                ch.remoteAddress(), seconds.getAsInt());
        ch.close();
    }
}
