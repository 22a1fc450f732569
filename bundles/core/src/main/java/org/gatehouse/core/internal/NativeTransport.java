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
     * SO_REUSEPORT, one datagram per receive call. With Netty's batched receive (recvmmsg, through
     * MAX_DATAGRAM_PAYLOAD_SIZE) some answers left the server 200 ms and more late under load, also
     * from a bare Netty echo server (bench/netty-recvmmsg.sh), while the socket queue was empty and the
     * event loop idle; a media relay cannot afford that. Registered level-triggered (2026-11-30) it
     * was faster still and passed the benchmarks, but a listener's event loop then hung inside
     * recvmmsg in a unit test run (StunResponderTest, .ci/run), the socket idle: not used until that
     * is understood. Answers are still sent in batches (sendmmsg) at the end of each read.
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
