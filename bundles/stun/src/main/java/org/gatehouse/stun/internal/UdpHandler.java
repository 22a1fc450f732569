package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.LogGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP socket of a listener. Answers are queued during a read batch and flushed once at its end,
 * which the epoll transport turns into one sendmmsg call and io_uring into one submission (with
 * {@link EventLoops#datagram}: Netty's own datagram packets leave one per loop pass there).
 */
final class UdpHandler extends ContextConnection {

    private static final Logger LOG = LoggerFactory.getLogger(UdpHandler.class);

    private final Dispatcher dispatcher;
    /** Makes the datagrams this socket sends (null: DatagramPacket), so that a pass's sends leave together on io_uring. */
    private final EventLoops loops;
    private final LogGate<Object> faults = new LogGate<>(60, 1);
    private InetSocketAddress local;
    private volatile Discovery discovery;
    private volatile int discoveryIp;
    private volatile int discoveryPort;

    UdpHandler(Dispatcher dispatcher) {
        this(dispatcher, null);
    }

    /** {@code loops}: those the socket is on, which make its datagrams ({@link EventLoops#datagram}). */
    UdpHandler(Dispatcher dispatcher, EventLoops loops) {
        this.dispatcher = dispatcher;
        this.loops = loops;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.local = (InetSocketAddress) ctx.channel().localAddress();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        try {
            dispatcher.handle(packet.content(), this, packet.sender());
        } finally {
            packet.release();
        }
    }

    /** The socket closed (its listener was given up, or the server stops): what was allocated through it ends. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dispatcher.closed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // A send to an unreachable client and the like: nothing to do for a datagram socket but note it.
            LOG.debug("STUN udp {}: {}", local, cause.toString());
            return;
        }
        // A fault in handling a datagram (this server's, or TURN's behind it): said, as over TCP, at
        // most once a minute per socket (a datagram that triggers it can be sent at will).
        long times = faults.due();
        if (times > 0) {
            LOG.warn("STUN udp {}: handling a datagram failed{}: {}", local, times > 1 ? " (" + times + " times since the last line)" : "",
                    cause.toString(), cause);
        }
    }

    /** Joins (or, with null, leaves) an RFC 5780 group at position (ip, port). */
    void discovery(Discovery group, int ip, int port) {
        this.discoveryIp = ip;
        this.discoveryPort = port;
        this.discovery = group;
    }

    Discovery discovery() {
        return discovery;
    }

    int discoveryIp() {
        return discoveryIp;
    }

    int discoveryPort() {
        return discoveryPort;
    }

    @Override
    public String protocol() {
        return "udp";
    }

    @Override
    public boolean isStream() {
        return false;
    }

    @Override
    public InetSocketAddress localAddress() {
        InetSocketAddress l = local;
        return l != null ? l : (InetSocketAddress) ctx.channel().localAddress();
    }

    @Override
    public void send(ByteBuf message, InetSocketAddress client) {
        sendMedia(message, client);
    }

    @Override
    public boolean sendMedia(ByteBuf message, InetSocketAddress client) {
        if (!ctx.channel().isWritable()) {
            // The kernel is not taking datagrams as fast as answers are made: drop rather than queue
            // without bound. UDP peers retransmit.
            message.release();
            dispatcher.answerDropped();
            return false;
        }
        ctx.write(loops != null ? loops.datagram(message, client) : new DatagramPacket(message, client), ctx.voidPromise());
        return true;
    }

    @Override
    public void close() {
        // A UDP listener socket serves every client; it is never closed for one of them.
    }
}
