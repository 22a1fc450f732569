package org.gatehouse.tls.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.gatehouse.core.Deadline;

/**
 * Closes a client connection that has taken nothing of what was written to it for
 * {@code send-timeout} seconds, as nginx's {@code send_timeout} does. Whatever feeds the connection
 * (a file, a node's answer or event stream, a WebSocket, pipelined answers) waits while its writes
 * are pending; without this, a client that stops reading would hold that wait, and the node
 * connection behind it, for as long as it keeps the TCP connection open (a "slow read" attack needs
 * nothing more).
 *
 * <p>Armed after a flush that left bytes the kernel did not take, however few. When the time is up
 * and the client took some bytes meanwhile, it waits another period: only a client that took
 * nothing for a whole period is cut off. When nothing is pending any more it disarms. It sits next to
 * the socket (after TLS), so it sees the bytes that are really waiting, and it stays in the pipeline
 * of an upgraded connection. A client that reads what it is sent never starts a timer.
 */
final class SendTimeout extends ChannelDuplexHandler {

    private final IntSupplier seconds;
    private ChannelHandlerContext ctx;
    private Deadline deadline;
    private boolean armed;
    /** The first unwritten message when the period began, and how much of it had been written. */
    private Object head;
    private long headProgress;

    /** {@code seconds} is read each time a period begins: a changed setting applies from the next one. */
    SendTimeout(IntSupplier seconds) {
        this.seconds = seconds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        if (!armed) {
            ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
            if (pending != null && !pending.isEmpty()) {
                arm(pending);
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        armed = false;
        head = null;
        if (deadline != null) {
            deadline.cancel();
        }
        ctx.fireChannelInactive();
    }

    private void arm(ChannelOutboundBuffer pending) {
        if (deadline == null) {
            deadline = new Deadline(ctx.executor(), this::expired);
        }
        armed = true;
        head = pending.current();
        headProgress = pending.currentProgress();
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds.getAsInt()));
    }

    private void expired() {
        armed = false;
        Object before = head;
        head = null;
        Channel ch = ctx.channel();
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (!ch.isActive() || pending == null || pending.isEmpty()) {
            return;
        }
        if (pending.current() != before || pending.currentProgress() != headProgress) {
            arm(pending);
            return;
        }
        TlsComponentLog.LOG.debug("TLS: {} took nothing of its answer for {} s (send-timeout): connection closed",
                ch.remoteAddress(), seconds.getAsInt());
        ch.close();
    }
}
