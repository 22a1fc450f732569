package org.gatehouse.ban.internal;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand. */
final class ManualTicker implements Ticker {

    static final Instant START = Instant.parse("2026-11-30T09:00:00Z");

    private final AtomicLong now = new AtomicLong(1_000_000);

    @Override
    public long millis() {
        return now.get();
    }

    @Override
    public Instant instant(long millis) {
        return START.plusMillis(millis - 1_000_000);
    }

    void advanceSeconds(double seconds) {
        now.addAndGet((long) (seconds * 1000));
    }
}
