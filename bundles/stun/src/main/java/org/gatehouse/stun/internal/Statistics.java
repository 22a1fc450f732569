package org.gatehouse.stun.internal;

import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.stun.StunStatistics;

/** Counters bumped on the I/O threads; rates from one snapshot a second over a ten-second window. */
final class Statistics {

    private static final int WINDOW = 10;

    final LongAdder bindingRequests = new LongAdder();
    final LongAdder errorResponses = new LongAdder();
    final LongAdder indications = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder turnMessages = new LongAdder();
    final LongAdder channelData = new LongAdder();
    final LongAdder unhandled = new LongAdder();
    final LongAdder answersDropped = new LongAdder();

    private final long[][] ring = new long[WINDOW + 1][3];
    private int next;
    private int filled;

    /** Called once a second. */
    synchronized void sample() {
        long[] s = ring[next];
        s[0] = bindingRequests.sum();
        s[1] = errorResponses.sum();
        s[2] = malformed.sum();
        next = (next + 1) % ring.length;
        filled = Math.min(filled + 1, ring.length);
    }

    synchronized StunStatistics snapshot() {
        double[] rates = new double[3];
        if (filled >= 2) {
            long[] newest = ring[(next - 1 + ring.length) % ring.length];
            int span = filled - 1;
            long[] oldest = ring[(next - filled + ring.length) % ring.length];
            for (int i = 0; i < 3; i++) {
                rates[i] = (newest[i] - oldest[i]) / (double) span;
            }
        }
        return new StunStatistics(bindingRequests.sum(), errorResponses.sum(), indications.sum(), malformed.sum(),
                turnMessages.sum(), channelData.sum(), unhandled.sum(), answersDropped.sum(), rates[0], rates[1], rates[2]);
    }
}
