package org.gatehouse.ban.internal;

import java.time.Instant;

/** Time for the ban table: a monotonic millisecond count, and the wall-clock instant of one for display. */
interface Ticker {

    long millis();

    Instant instant(long millis);

    /** The system's monotonic clock, anchored to the wall clock once (a clock step does not shorten a ban). */
    static Ticker system() {
        long wallAtStart = System.currentTimeMillis();
        long monoAtStart = System.nanoTime() / 1_000_000;
        return new Ticker() {
            @Override
            public long millis() {
                return System.nanoTime() / 1_000_000;
            }

            @Override
            public Instant instant(long millis) {
                return Instant.ofEpochMilli(wallAtStart + millis - monoAtStart);
            }
        };
    }
}
