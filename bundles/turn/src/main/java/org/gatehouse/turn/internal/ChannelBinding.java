package org.gatehouse.turn.internal;

import java.net.InetSocketAddress;

/**
 * A channel bound to a peer (RFC 8656 section 12). After {@code expires} it carries no data, but for
 * five more minutes neither its number nor its peer may be bound to anything else.
 */
final class ChannelBinding {

    static final int REST_SECONDS = 300;

    final int number;
    final InetSocketAddress peer;
    long expires;
    /**
     * The peer is one of this host's addresses (another allocation's relayed address, as the policy
     * lets it be): its data is checked against the relays held at each datagram, since that relay may
     * end and its port be taken by another program of the host.
     */
    boolean ownAddress;

    ChannelBinding(int number, InetSocketAddress peer, long expires, boolean ownAddress) {
        this.number = number;
        this.peer = peer;
        this.expires = expires;
        this.ownAddress = ownAddress;
    }
}
