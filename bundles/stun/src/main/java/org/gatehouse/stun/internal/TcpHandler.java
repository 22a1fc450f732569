package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLException;
import org.gatehouse.core.net.ListenerMove;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection. Stops reading while its answers cannot be written, and drops what else is sent
 * to it meanwhile (a client that does not read cannot make the server buffer without bound), and
 * closes when idle past the configured timeout.
 */
final class TcpHandler extends ContextConnection {

    private static final Logger LOG = LoggerFactory.getLogger(TcpHandler.class);

    private final Dispatcher dispatcher;
    private final String protocol;
    /** max-allocate-timeout, as configured now. */
    private final IntSupplier allocateTimeoutSeconds;
    private InetSocketAddress remote;
    /** When the last complete message or frame arrived (or the connection opened). */
    private long lastMessage;
    private ScheduledFuture<?> watch;
    private ChannelHandlerContext ctx;

    TcpHandler(Dispatcher dispatcher, String protocol) {
        this(dispatcher, protocol, () -> 60);
    }

    TcpHandler(Dispatcher dispatcher, String protocol, IntSupplier allocateTimeoutSeconds) {
        this.dispatcher = dispatcher;
        this.protocol = protocol;
        this.allocateTimeoutSeconds = allocateTimeoutSeconds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        this.remote = (InetSocketAddress) ctx.channel().remoteAddress();
        this.ctx = ctx;
        lastMessage = System.nanoTime();
        watchSilence(ctx, allowedSilence());
    }

    /** max-allocate-timeout as configured now, in nanoseconds. */
    private long allowedSilence() {
        return TimeUnit.SECONDS.toNanos(Math.max(1, allocateTimeoutSeconds.getAsInt()));
    }

    /**
     * A connection without an allocation that goes max-allocate-timeout seconds without a complete
     * message is closed: anyone can open connections and send nothing (or half a frame), and each
     * would otherwise hold a descriptor for tcp-idle-timeout (10 minutes by default). One with an
     * allocation is left to tcp-idle-timeout, as its client may stay silent between Refreshes.
     */
    private void watchSilence(ChannelHandlerContext ctx, long delayNanos) {
        watch = ctx.executor().schedule(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            // The silence allowed is taken as configured now: a message since, or a shorter setting,
            // leaves a new due time to the next look.
            long left = lastMessage + allowedSilence() - System.nanoTime();
            if (left > 0) {
                watchSilence(ctx, left);
            } else if (!dispatcher.holdsAllocation(this)) {
                ctx.close();
            } else {
                // Its allocation may end while the connection stays: looked at again a whole timeout later.
                watchSilence(ctx, allowedSilence());
            }
        }, Math.max(TimeUnit.MILLISECONDS.toNanos(100), delayNanos), TimeUnit.NANOSECONDS);
    }

    /**
     * max-allocate-timeout was lowered: the silence is looked at now rather than when the check set
     * under the old value falls due (up to that old value later). On the connection's event loop.
     */
    void timeoutShortened() {
        if (watch != null && ctx != null && watch.cancel(false)) {
            watchSilence(ctx, 0);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastMessage = System.nanoTime();
        ByteBuf frame = (ByteBuf) msg;
        try {
            dispatcher.handle(frame, this, remote);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (watch != null) {
            watch.cancel(false);
        }
        dispatcher.closed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (tlsRefused(cause)) {
            // What a client sent could not be decoded: plain text or junk on the TLS port, a failed
            // handshake. Anyone can send that at will, so it is counted and logged like a malformed
            // packet (INFO, rate-limited), not as a fault of this box.
            dispatcher.malformed(this, remote, () -> "TLS: " + rootMessage(cause) + "; connection closed");
        } else if (!(cause instanceof IOException)) {
            LOG.warn("STUN {} connection from {}: {}", protocol, remote, cause.toString());
        }
        ctx.close();
    }

    /** Whether the TLS layer refused what the client sent; our own faults, wrapped or not, are not. */
    private static boolean tlsRefused(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof NotSslRecordException || c instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        String m = ListenerMove.rootMessage(t);
        // Netty's "not an SSL/TLS record" carries a hex dump of everything the client sent.
        return m.length() <= 120 ? m : m.substring(0, 120) + "...";
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public boolean isStream() {
        return true;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) ctx.channel().localAddress();
    }

    @Override
    public void send(ByteBuf message, InetSocketAddress client) {
        if (isRelayedMedia(message)) {
            sendMedia(message, client);
        } else {
            ctx.write(message, ctx.voidPromise());
        }
    }

    @Override
    public boolean sendMedia(ByteBuf message, InetSocketAddress client) {
        if (!ctx.channel().isWritable()) {
            // The client has not been taking what is sent to it (the kernel's buffers and ours are
            // full): media from its peers is dropped whole, as a UDP socket would drop it, rather
            // than queued without bound; the stream's framing stays intact. Answers to requests are
            // always queued (a client over TCP does not retransmit): they stay few, since no further
            // request is read while the connection cannot be written.
            message.release();
            dispatcher.answerDropped();
            return false;
        }
        ctx.write(message, ctx.voidPromise());
        return true;
    }

    /** ChannelData (first two bits 01) or a Data indication. */
    static boolean isRelayedMedia(ByteBuf message) {
        int at = message.readerIndex();
        return message.readableBytes() >= 2
                && ((message.getByte(at) & 0xC0) == 0x40 || message.getUnsignedShort(at) == DATA_INDICATION);
    }

    private static final int DATA_INDICATION = MessageClass.type(Method.DATA, MessageClass.INDICATION);

    @Override
    public void close() {
        ctx.close();
    }
}
