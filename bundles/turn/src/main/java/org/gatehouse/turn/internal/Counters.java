package org.gatehouse.turn.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Events counted across all allocations. Relayed packets and bytes are not here: each allocation
 * counts its own with plain fields on its loop, and {@link #endedTraffic} keeps what ended ones did.
 */
final class Counters {

    final LongAdder allocationsCreated = new LongAdder();
    final LongAdder allocationsEnded = new LongAdder();
    final LongAdder permissionsCreated = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder droppedOverBandwidth = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    final LongAdder unauthenticatedLimited = new LongAdder();
    final LongAdder deniedPeers = new LongAdder();
    final LongAdder quotaRejections = new LongAdder();
    final LongAdder errorAnswers = new LongAdder();
    /** Allocate requests answered 300 Try Alternate or 508 while the relay was drained. */
    final LongAdder redirected = new LongAdder();

    /** packets to peers, bytes to peers, packets to clients, bytes to clients of ended allocations. */
    final LongAdder[] endedTraffic = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    void ended(Allocation a) {
        allocationsEnded.increment();
        endedTraffic[0].add(a.packetsToPeers);
        endedTraffic[1].add(a.bytesToPeers);
        endedTraffic[2].add(a.packetsToClient);
        endedTraffic[3].add(a.bytesToClient);
    }
}
