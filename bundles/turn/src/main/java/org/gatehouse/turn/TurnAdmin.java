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

    /** The realm in force, as clients see it in 401 answers; while none is (the file refused at start), a text saying so. */
    String realm();

    /**
     * False while TURN is off ({@code enabled = false}): the responder answers STUN only, no
     * allocation is made, and the counters stay as they were when it went off. False too while the
     * file refused at start leaves nothing in force ({@link #configurationProblem()} says so).
     */
    boolean enabled();

    /** While the relay is drained ({@link #drain}), since when and where new allocations are sent; null otherwise. */
    default Draining draining() {
        return null;
    }

    /**
     * Starts ({@code true}) or ends draining: new Allocate requests are sent to the {@code alternate-server}
     * list while every allocation already made goes on relaying. Returns the state now (null: not draining).
     *
     * @throws IllegalStateException when no configuration is in force (the file was refused at start)
     */
    default Draining drain(boolean on) {
        throw new UnsupportedOperationException("this TURN relay cannot be drained");
    }

    /**
     * Why the configuration file is not what is in force, as one line naming the file and key and
     * saying what runs meanwhile (the previous settings, or, refused at start, no relay at all); null
     * when the file is in force. While it is not null, adding or removing users is refused.
     */
    default String configurationProblem() {
        return null;
    }
}
