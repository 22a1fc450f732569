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
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ThreadFactory;

/** The epoll transport: everything that names the epoll classes. */
final class EpollTransport extends NativeTransport {

    /** Empty when epoll is usable, otherwise why not. */
    static String unavailabilityReason() {
        return unavailabilityReason("epoll", () -> Epoll.isAvailable(), () -> Epoll.unavailabilityCause());
    }

    /**
     * Tasks run for at most a millisecond between I/O passes ({@link IoLoopGroup}). A relay socket reads
     * one datagram per pass and its further reads wait in the task queue: with Netty 4.1's default I/O
     * ratio (tasks as long as the pass), a saturated loop cut that queue short, relay sockets kept a
     * standing backlog and their full queues dropped echoes already relayed once (bench/turn-relay.sh,
     * saturated: 1,147 to 2,676 drops/s at 19 to 50 relay sockets; none with tasks given nine times the
     * pass). Still a bound: a relay socket flooded faster than it is read would otherwise keep the loop
     * in its task queue and starve every other socket on it.
     */
    @Override
    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new IoLoopGroup(threads, threadFactory, EpollIoHandler.newFactory());
    }

    /** UDP sockets whose close waits for the read pass in progress ({@link CloseAfterReadPass}). */
    @Override
    ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family) {
        return () -> {
            EpollDatagramChannel ch = new EpollDatagramChannel(family);
            ch.pipeline().addFirst(CloseAfterReadPass.INSTANCE);
            return ch;
        };
    }

    @Override
    ChannelFactory<? extends DatagramChannel> exclusiveDatagramChannelFactory(InternetProtocolFamily family) {
        return datagramChannelFactory(family);
    }

    /**
     * SO_REUSEPORT, and up to {@value #DATAGRAMS_PER_RECEIVE} datagrams per receive call (recvmmsg)
     * into one pooled buffer, with the socket registered level-triggered, so that epoll reports it
     * again on every pass while anything is queued (edge-triggered, batched receives left some sockets
     * unread for 200 ms and more under load: bench/netty-recvmmsg.sh). Answers are sent in batches
     * (sendmmsg) at the end of each read. A close waits for the read pass ({@link CloseAfterReadPass}).
     */
    @Override
    void configureDatagram(Bootstrap b, int maxDatagram) {
        b.option(EpollChannelOption.SO_REUSEPORT, true)
                .option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(maxDatagram * DATAGRAMS_PER_RECEIVE)
                                .maxMessagesPerRead(DATAGRAMS_PER_RECEIVE * 4));
    }

    @Override
    void keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count) {
        b.option(EpollChannelOption.TCP_KEEPIDLE, idleSeconds)
                .option(EpollChannelOption.TCP_KEEPINTVL, intervalSeconds)
                .option(EpollChannelOption.TCP_KEEPCNT, count);
    }

    @Override
    Class<? extends ServerChannel> serverChannelClass() {
        return EpollServerSocketChannel.class;
    }

    @Override
    Class<? extends SocketChannel> socketChannelClass() {
        return EpollSocketChannel.class;
    }
}
