package org.gatehouse.stun;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import org.gatehouse.stun.message.StunMessage;

/**
 * Receives what the STUN responder does not answer itself: every request and indication whose method
 * is not Binding, and every ChannelData frame. Register one as an OSGi service; the responder reads
 * it from a field per packet. Without one the server is STUN-only: other requests get 400 and
 * ChannelData is dropped.
 *
 * <p>Calls arrive on the event loop of the socket or connection the packet came in on. The message
 * and the frame buffer are valid only during the call: retain or copy what is kept.
 */
public interface TurnHandler {

    /** A STUN request or indication (parsed, FINGERPRINT checked) other than Binding. */
    void onMessage(StunMessage message, StunConnection connection, InetSocketAddress client);

    /**
     * A ChannelData frame: readable bytes start at its 4-byte header; over TCP/TLS padding is
     * already removed. The channel number is one of 0x4000-0x7FFF and the length fits.
     */
    void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client);

    /**
     * A TCP or TLS connection closed (by either side), or a UDP listener socket closed (its address
     * was removed from the configuration, or the server stops). On a stream the connection is the
     * client's 5-tuple; on UDP the socket is part of every 5-tuple that came through it: whatever was
     * allocated through it ends here. Called on the connection's or socket's event loop.
     */
    default void onClosed(StunConnection connection) {
    }

    /**
     * Whether an allocation was made through this TCP or TLS connection and lives: a
     * connection without one is closed after max-allocate-timeout seconds without a complete message,
     * one with one only after tcp-idle-timeout. Called on the connection's event loop.
     *
     * @since 1.3.0
     */
    default boolean holdsAllocation(StunConnection connection) {
        return false;
    }
}
