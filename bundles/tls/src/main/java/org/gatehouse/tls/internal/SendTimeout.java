package org.gatehouse.tls.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
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
 * <p>Armed after a flush that left bytes the kernel did not take, however few. The check runs at the
 * end of each period: if the client took some bytes during it, another period begins; if nothing is
 * pending any more, it disarms; else the connection is closed. So a client that stopped is cut off
 * between one and two periods after it last took something. It sits next to the socket (after TLS),
 * so it sees the bytes that are really waiting, and it stays in the pipeline of an upgraded
 * connection. A client that reads what it is sent never starts a timer.
 */
final class SendTimeout extends ChannelDuplexHandler {

    private final IntSupplier seconds;
    private ChannelHandlerContext ctx;
    private Deadline deadline;
    private boolean armed;
    /**
     * Bytes (as the write buffer counts them) still to be taken when the period began, plus those
     * queued since: what is left now, less this, is what the client took in the period.
     */
    private long owed;

    /** {@code seconds} is read each time a period begins: a changed setting applies from the next one. */
    SendTimeout(IntSupplier seconds) {
        this.seconds = seconds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ChannelOutboundBuffer b = armed ? ctx.channel().unsafe().outboundBuffer() : null;
        if (b == null) {
            ctx.write(msg, promise);
            return;
        }
        long before = b.totalPendingWriteBytes();
        ctx.write(msg, promise);
        owed += b.totalPendingWriteBytes() - before;
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
        if (deadline != null) {
            deadline.cancel();
        }
        ctx.fireChannelInactive();
    }

    /** Bytes still to be taken: the write buffer's count, less what of its first message has gone. */
    private static long left(ChannelOutboundBuffer pending) {
        return pending.totalPendingWriteBytes() - pending.currentProgress();
    }

    private void arm(ChannelOutboundBuffer pending) {
        if (deadline == null) {
            deadline = new Deadline(ctx.executor(), this::expired);
        }
        armed = true;
        owed = left(pending);
        deadline.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds.getAsInt()));
    }

    private void expired() {
        armed = false;
        Channel ch = ctx.channel();
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (!ch.isActive() || pending == null || pending.isEmpty()) {
            return;
        }
        if (left(pending) < owed) {
            arm(pending);
            return;
        }
        TlsComponentLog.LOG.debug("TLS: {} took nothing of its answer for {} s (send-timeout): connection closed",
                ch.remoteAddress(), seconds.getAsInt());
        ch.close();
    }
}
