package org.gatehouse.turn;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * The relay is being drained (before an upgrade or a restart): since {@code since}, every new Allocate
 * (but one for a port reserved here, with a RESERVATION-TOKEN) is answered 300 Try Alternate with one of {@code alternates} (the {@code alternate-server} list, of
 * the client's address family; a port 0 there stands for the port the request came to), or 508
 * Insufficient Capacity when none is of that family, while the allocations already relaying go on
 * until their clients end them. {@code redirected} counts the Allocate requests turned away since (300
 * or 508; a retransmitted request again).
 */
public record Draining(Instant since, List<InetSocketAddress> alternates, long redirected) {

    public Draining {
        alternates = List.copyOf(alternates);
    }
}
