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

    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new EpollEventLoopGroup(threads, threadFactory);
    }

    ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family) {
        return () -> new EpollDatagramChannel(family);
    }

    /**
     * SO_REUSEPORT, one datagram per receive call. Netty's batched receive (recvmmsg, through
     * MAX_DATAGRAM_PAYLOAD_SIZE) was measured here to hand some datagrams to the pipeline with the
     * wrong content or sender: a bare Netty echo server answered about 600 of 2 million requests to
     * the wrong client socket in a 10 s run (4.1.137 and 4.2.18 alike), none with single receives.
     * Answers are still sent in batches (sendmmsg) at the end of each read.
     */
    void configureDatagram(Bootstrap b, int maxDatagram) {
        b.option(EpollChannelOption.SO_REUSEPORT, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagram));
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return EpollServerSocketChannel.class;
    }

    Class<? extends SocketChannel> socketChannelClass() {
        return EpollSocketChannel.class;
    }
}
