package org.gatehouse.turn;

import java.util.List;

/** What the TURN relay is doing: its allocations and counters, and ending one allocation. */
public interface TurnAdmin {

    /** Every allocation now relaying (or being set up), oldest first. */
    List<AllocationInfo> allocations();

    /**
     * Ends allocation {@code id} at once, as if its lifetime ran out: its relay ports close and its
     * client gets 437 on the next request. False when no allocation has that id.
     */
    boolean kill(long id);

    TurnStatistics statistics();

    /** The realm in force, as clients see it in 401 answers. */
    String realm();

    /**
     * False while TURN is off ({@code enabled = false}): the responder answers STUN only, no
     * allocation is made, and the counters stay as they were when it went off.
     */
    boolean enabled();
}
