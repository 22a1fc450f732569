package org.gatehouse.core.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring transport: everything that names the io_uring classes. Each loop hands the kernel all
 * its receives and sends in one system call per pass, where epoll makes one per datagram on every
 * socket that has one (a TURN relay socket: a receive and a send per relayed datagram).
 */
final class IoUringTransport extends NativeTransport {

    private static final Logger LOG = LoggerFactory.getLogger(IoUringTransport.class);

    /** Sends a relay socket has in flight at most; more wait in its outbound buffer. */
    static final short RELAY_SENDS_IN_FLIGHT = 4;

    /**
     * Sends a listener socket has in flight at most (Netty's 256 otherwise): the most one pass hands the
     * kernel at once ({@link org.gatehouse.core.EventLoops#datagram}). Netty submits all but the first
     * of a batch with MSG_DONTWAIT and, when the batch completes, takes results off its queue in order
     * from the head, so a send refused for a full send buffer followed by one that went would drop the
     * one refused and send the other twice. 64 datagrams of 1,200 bytes (about 150 KB in the kernel)
     * fit the default send buffer (net.core.wmem_default, 208 KB) that 256 would overrun on a network
     * card that has not sent the last batch yet; loopback never fills it.
     */
    static final short LISTENER_SENDS_IN_FLIGHT = 64;

    /** Empty when io_uring is usable, otherwise why not. */
    static String unavailabilityReason() {
        return unavailabilityReason("io_uring", () -> IoUring.isAvailable(), () -> IoUring.unavailabilityCause());
    }

    @Override
    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new IoLoopGroup(threads, threadFactory, IoUringIoHandler.newFactory());
    }

    /**
     * A UDP socket's sends stay in its outbound buffer until the kernel has completed them, a loop pass
     * later, where epoll's are gone once written; and Gatehouse drops media rather than queue it at an
     * unwritable socket. Netty's default mark (64 KiB) made the listener unwritable within one pass of
     * answers and relayed media under load (bench/turn-relay.sh, pinned: 0.07% to 1.5% of the echoes
     * lost, none of them in a socket's queue), so the mark is that of a pass that big.
     */
    static final WriteBufferWaterMark DATAGRAM_WRITE_MARK = new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

    @Override
    ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family) {
        return () -> datagram(SmallHeaders.shrink(new IoUringDatagramChannel(family.toSocketProtocolFamily()), (short) 0,
                LISTENER_SENDS_IN_FLIGHT));
    }

    @Override
    ChannelFactory<? extends DatagramChannel> exclusiveDatagramChannelFactory(InternetProtocolFamily family) {
        return () -> datagram(SmallHeaders.shrink(new IoUringDatagramChannel(family.toSocketProtocolFamily()), (short) 1,
                RELAY_SENDS_IN_FLIGHT));
    }

    private static IoUringDatagramChannel datagram(IoUringDatagramChannel ch) {
        ch.config().setWriteBufferWaterMark(DATAGRAM_WRITE_MARK);
        return ch;
    }

    /**
     * Up to {@value #DATAGRAMS_PER_RECEIVE} receives per pass (linked recvmsg operations into one
     * pooled buffer), SO_REUSEPORT; sends flushed together go to the kernel together.
     */
    @Override
    void configureDatagram(Bootstrap b, int maxDatagram) {
        b.option(IoUringChannelOption.SO_REUSEPORT, true)
                .option(IoUringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram)
                .option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(maxDatagram * DATAGRAMS_PER_RECEIVE)
                                .maxMessagesPerRead(DATAGRAMS_PER_RECEIVE * 4));
    }

    @Override
    void keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count) {
        b.option(IoUringChannelOption.TCP_KEEPIDLE, idleSeconds)
                .option(IoUringChannelOption.TCP_KEEPINTVL, intervalSeconds)
                .option(IoUringChannelOption.TCP_KEEPCNT, count);
    }

    @Override
    Class<? extends ServerChannel> serverChannelClass() {
        return IoUringServerSocketChannel.class;
    }

    @Override
    Class<? extends SocketChannel> socketChannelClass() {
        return IoUringSocketChannel.class;
    }

    /**
     * Netty's io_uring UDP channel keeps room for 256 receives and 256 sends in flight, about 270 KB of
     * native and heap memory per socket, whatever the socket is for: 270 MB for 1,000 TURN allocations.
     * A relay socket has one receive in flight (its buffer holds one datagram) and a few sends, so its
     * channel gets room for one receive and {@value #RELAY_SENDS_IN_FLIGHT} sends instead; a listener
     * socket keeps Netty's room for receives and gets {@value #LISTENER_SENDS_IN_FLIGHT} sends. The sizes
     * are fields Netty does not expose; where they cannot be set (another Netty version, a module
     * layer that does not open the package) the channel keeps Netty's, and that is said once.
     */
    static final class SmallHeaders {
        private static final Field RECEIVE;
        private static final Field SEND;
        private static final Constructor<?> ARRAY;
        private static final Method RELEASE;
        private static final String UNAVAILABLE;

        static {
            Field receive = null;
            Field send = null;
            Constructor<?> array = null;
            Method release = null;
            String why = null;
            try {
                receive = IoUringDatagramChannel.class.getDeclaredField("recvmsgHdrs");
                send = IoUringDatagramChannel.class.getDeclaredField("sendmsgHdrs");
                Class<?> type = receive.getType();
                array = type.getDeclaredConstructor(short.class);
                release = type.getDeclaredMethod("release");
                receive.setAccessible(true);
                send.setAccessible(true);
                array.setAccessible(true);
                release.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                why = e.toString();
            }
            RECEIVE = receive;
            SEND = send;
            ARRAY = array;
            RELEASE = release;
            UNAVAILABLE = why;
            if (why != null) {
                LOG.info("I/O: io_uring UDP sockets keep Netty's own buffers for 256 receives and sends in flight"
                        + " (about 270 KB each): {}", why);
            }
        }

        private SmallHeaders() {
        }

        /** Set when a change was refused at run time (a JVM that forbids changing final fields). */
        private static volatile String refused;

        /** Whether UDP sockets get the small headers; for tests. */
        static boolean available() {
            return UNAVAILABLE == null && refused == null;
        }

        /** Room for {@code receives} (0: Netty's) and {@code sends} operations in flight. */
        static IoUringDatagramChannel shrink(IoUringDatagramChannel ch, short receives, short sends) {
            if (!available()) {
                return ch;
            }
            try {
                if (receives > 0) {
                    replace(ch, RECEIVE, receives);
                }
                replace(ch, SEND, sends);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // The channel keeps what Netty made (a first field changed alone is consistent too).
                refused = e.toString();
                LOG.warn("I/O: io_uring UDP sockets keep Netty's own buffers for 256 receives and sends in flight"
                        + " (about 270 KB each; io-transport = epoll avoids it): {}", refused);
            }
            return ch;
        }

        private static void replace(IoUringDatagramChannel ch, Field field, short capacity) throws ReflectiveOperationException {
            Object old = field.get(ch);
            field.set(ch, ARRAY.newInstance(capacity));
            RELEASE.invoke(old);
        }
    }
}
