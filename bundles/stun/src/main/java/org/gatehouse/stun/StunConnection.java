package org.gatehouse.stun;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;

/**
 * The socket (UDP) or connection (TCP, TLS) a packet arrived on; answers go out through the same one
 * so the client sees them come from the address it sent to.
 */
public interface StunConnection {

    /** {@code udp}, {@code tcp} or {@code tls}. */
    String protocol();

    /** True for TCP and TLS, where one connection carries one client. */
    boolean isStream();

    InetSocketAddress localAddress();

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /**
     * Queues {@code message} (released when written) to {@code client}; on a stream the client is
     * the connection's peer. Written out at the end of the current read batch, or by {@link #flush()}.
     */
    void send(ByteBuf message, InetSocketAddress client);

    /**
     * {@link #send} for media relayed from a peer (ChannelData, a Data indication): false when it was
     * dropped (and released) because the client is not taking what is sent to it, its socket full, as
     * a UDP socket drops a datagram.
     */
    default boolean sendMedia(ByteBuf message, InetSocketAddress client) {
        send(message, client);
        return true;
    }

    /** Writes out what {@link #send} queued; needed only when sending outside a read callback. */
    void flush();

    /** Closes a stream connection; no effect on UDP. */
    void close();
}
