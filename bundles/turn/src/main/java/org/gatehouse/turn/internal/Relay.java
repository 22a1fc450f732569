package org.gatehouse.turn.internal;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One relay socket of an allocation: where it is bound, and where clients are told it is. */
final class Relay {

    final Channel channel;
    final InetAddress bound;
    final int port;
    final InetSocketAddress advertised;
    /**
     * This relayed address's time-to-expiry (wheel seconds). The same for both of a dual allocation
     * until a Refresh names one family (RFC 8656 section 8.1); the allocation ends with the last.
     */
    long expires;

    Relay(Channel channel, InetAddress bound, int port, InetSocketAddress advertised) {
        this.channel = channel;
        this.bound = bound;
        this.port = port;
        this.advertised = advertised;
    }
}
