package org.gatehouse.core.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Everything that touches the epoll classes, kept in one class so that the rest of the bundle loads
 * where the optional epoll package is absent (non-Linux hosts, containers without it).
 */
final class NativeTransport {

    /** Empty when epoll is usable, otherwise why not. */
    static String unavailabilityReason() {
        try {
            if (Epoll.isAvailable()) {
                return "";
            }
            Throwable cause = Epoll.unavailabilityCause();
            return cause == null ? "unknown" : cause.toString();
        } catch (LinkageError e) {
            return "epoll classes not installed (" + e + ")";
        }
    }

    /**
     * Tasks may take up to nine times as long as the I/O pass before them (I/O ratio 10; Netty's
     * default 50 gives them as long as the pass). A relay socket reads one datagram per pass and its
     * further reads wait in the task queue: with the default, a saturated loop cut that queue short,
     * relay sockets kept a standing backlog and their full queues dropped echoes already relayed once
     * (bench/turn-relay.sh, saturated: 1,147 to 2,676 drops/s at 19 to 50 relay sockets, none with
     * 10). Still a bound, not 100 (no limit): a relay socket flooded faster than it is read would
     * otherwise keep the loop in its task queue and starve every other socket on it.
     */
    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        EpollEventLoopGroup group = new EpollEventLoopGroup(threads, threadFactory);
        group.setIoRatio(10);
        return group;
    }

    /** UDP sockets whose close waits for the read pass in progress ({@link CloseAfterReadPass}). */
    ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family) {
        return () -> {
            EpollDatagramChannel ch = new EpollDatagramChannel(family);
            ch.pipeline().addFirst(CloseAfterReadPass.INSTANCE);
            return ch;
        };
    }

    /** Datagrams one receive call (recvmmsg) takes at most from a listener socket. */
    static final int DATAGRAMS_PER_RECEIVE = 16;

    /**
     * SO_REUSEPORT, and up to {@value #DATAGRAMS_PER_RECEIVE} datagrams per receive call (recvmmsg)
     * into one pooled buffer, with the socket registered level-triggered, so that epoll reports it
     * again on every pass while anything is queued (edge-triggered, batched receives left some sockets
     * unread for 200 ms and more under load: bench/netty-recvmmsg.sh). Answers are sent in batches
     * (sendmmsg) at the end of each read. A close waits for the read pass ({@link CloseAfterReadPass}).
     */
    void configureDatagram(Bootstrap b, int maxDatagram) {
        b.option(EpollChannelOption.SO_REUSEPORT, true)
                .option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(maxDatagram * DATAGRAMS_PER_RECEIVE)
                                .maxMessagesPerRead(DATAGRAMS_PER_RECEIVE * 4));
    }

    void keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count) {
        b.option(EpollChannelOption.TCP_KEEPIDLE, idleSeconds)
                .option(EpollChannelOption.TCP_KEEPINTVL, intervalSeconds)
                .option(EpollChannelOption.TCP_KEEPCNT, count);
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return EpollServerSocketChannel.class;
    }

    Class<? extends SocketChannel> socketChannelClass() {
        return EpollSocketChannel.class;
    }
}
