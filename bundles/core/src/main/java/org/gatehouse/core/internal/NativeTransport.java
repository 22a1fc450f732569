package org.gatehouse.core.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A Linux native transport (io_uring or epoll). Each lives in a class of its own, which alone names its
 * Netty classes, so that the rest of the bundle loads where an optional transport package is absent
 * (non-Linux hosts, containers without it).
 */
abstract class NativeTransport {

    /** Datagrams one receive pass takes at most from a listener socket. */
    static final int DATAGRAMS_PER_RECEIVE = 16;

    /**
     * Empty when a transport is usable, otherwise why not. {@code available} and {@code cause} are
     * lambdas, not method references, so that a missing transport package fails inside this try.
     */
    static String unavailabilityReason(String name, BooleanSupplier available, Supplier<Throwable> cause) {
        try {
            if (available.getAsBoolean()) {
                return "";
            }
            Throwable why = cause.get();
            return why == null ? "unknown" : why.toString();
        } catch (LinkageError e) {
            return name + " classes not installed (" + e + ")";
        }
    }

    abstract EventLoopGroup newGroup(int threads, ThreadFactory threadFactory);

    abstract ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family);

    /**
     * A UDP socket that owns its port alone (a TURN relay), of which thousands may be open: as little
     * memory held per socket as the transport allows.
     */
    abstract ChannelFactory<? extends DatagramChannel> exclusiveDatagramChannelFactory(InternetProtocolFamily family);

    /** A listener socket: SO_REUSEPORT, and batched receives of up to {@link #DATAGRAMS_PER_RECEIVE}. */
    abstract void configureDatagram(Bootstrap b, int maxDatagram);

    abstract void keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count);

    abstract Class<? extends ServerChannel> serverChannelClass();

    abstract Class<? extends SocketChannel> socketChannelClass();
}
