package org.gatehouse.core;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;

/**
 * The one set of I/O threads of the process. Every network bundle registers its channels here so that
 * STUN, TURN, HTTPS and the proxy share the cores instead of each starting its own thread pool.
 */
public interface EventLoops {

    /** The I/O transport in use. */
    enum Transport {
        /** Linux native transport: io_uring, one system call per loop pass; SO_REUSEPORT available. */
        IO_URING,
        /** Linux native transport: epoll, SO_REUSEPORT available. */
        EPOLL,
        /** The JDK's NIO selector transport, used where neither native transport loads. */
        NIO
    }

    EventLoopGroup group();

    Transport transport();

    /** Number of event loops (threads) in {@link #group()}. */
    int threads();

    /**
     * Why no native transport (io_uring, epoll) is in use, or the empty string when one is (the start's
     * log line says why io_uring was passed over for epoll).
     */
    String nativeUnavailableReason();

    /**
     * Whether several sockets can bind the same address and port (SO_REUSEPORT), so that a UDP
     * listener can open one channel per event loop and let the kernel spread datagrams.
     */
    boolean reusePortSupported();

    ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family);

    /** Largest datagram {@link #datagramBootstrap} receives whole; larger ones arrive truncated. */
    int MAX_DATAGRAM_SIZE = 4096;

    /**
     * A bootstrap for one UDP socket on these loops, with a 1 MiB receive buffer (as far as
     * net.core.rmem_max allows). Where the transport allows, the socket sets SO_REUSEPORT (bind the
     * same address once per loop to spread a port over all cores), and writes flushed together go
     * out in one system call.
     */
    Bootstrap datagramBootstrap(InternetProtocolFamily family);

    /**
     * {@code content} as one datagram to {@code recipient}, to write to a socket of
     * {@link #datagramBootstrap} or {@link #exclusiveDatagramBootstrap}. A {@code DatagramPacket}, except
     * on io_uring: Netty 4.2 submits addressed packets there one at a time, the next a loop pass after
     * the kernel completed the last, and this message lets everything a socket flushed in a pass leave in
     * that pass. Releasing the message releases {@code content}.
     */
    default Object datagram(ByteBuf content, InetSocketAddress recipient) {
        return new DatagramPacket(content, recipient);
    }

    /**
     * A bootstrap for a UDP socket that owns its port alone (no SO_REUSEPORT, so a second bind of the
     * same address and port fails), such as a TURN relay: whatever arrives on the port belongs to one
     * allocation. Its receive buffer is the system default, as thousands of them may be open.
     */
    Bootstrap exclusiveDatagramBootstrap(InternetProtocolFamily family);

    /** A bootstrap for a listening TCP socket whose connections are served on these loops. */
    ServerBootstrap serverBootstrap();

    Class<? extends ServerChannel> serverChannelClass();

    Class<? extends SocketChannel> socketChannelClass();

    /**
     * TCP keepalive on the connections {@code b} makes: after {@code idleSeconds} without a byte either
     * way, a probe every {@code intervalSeconds}, the connection closed after {@code count} without
     * answer (a peer gone without closing: powered off, cut off, its VM paused). With the NIO transport
     * only SO_KEEPALIVE is set, with the host's timers (net.ipv4.tcp_keepalive_*). Returns {@code b}.
     */
    Bootstrap keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count);
}
