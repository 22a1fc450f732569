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

    ChannelBinding(int number, InetSocketAddress peer, long expires) {
        this.number = number;
        this.peer = peer;
        this.expires = expires;
    }
}
