package org.gatehouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per key per interval, each counting the events since the one before. */
class LogGateTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000_000L);

    private void after(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void theFirstEventIsSaidAtOnceAndTheNextLineCountsAllSinceTheLast() {
        LogGate<String> gate = new LogGate<>(60, 100, now::get);
        assertEquals(1, gate.due("a"), "first event: a line, counting itself");
        for (int i = 0; i < 5; i++) {
            after(10);
            assertEquals(0, gate.due("a"), "inside the minute: no line");
        }
        assertEquals(1, gate.due("b"), "another key has its own minute");
        after(9);
        assertEquals(0, gate.due("a"), "59 s after the line");
        after(1);
        assertEquals(7, gate.due("a"), "a minute after the line: the six waiting and this one");
        assertEquals(0, gate.due("a"), "and the minute starts again");
    }

    @Test
    void aShorterIntervalAppliesToKeysAlreadyGated() {
        LogGate<String> gate = new LogGate<>(60, 100, now::get);
        gate.due("a");
        gate.interval(5);
        after(5);
        assertEquals(1, gate.due("a"));
    }

    @Test
    void theTableOfKeysStaysWithinItsBound() {
        LogGate<Integer> gate = new LogGate<>(60, 3, now::get);
        for (int k = 0; k < 3; k++) {
            assertEquals(1, gate.due(k));
        }
        assertEquals(0, gate.due(2), "a known key at the bound keeps its minute");
        assertEquals(1, gate.due(3), "a fourth key clears the table and gets its line");
        assertEquals(1, gate.due(0), "cleared keys start afresh: a line sooner, never more than one per event");
    }

    @Test
    void aGateForEverythingHasOneMinute() {
        LogGate<Object> gate = new LogGate<>(60, 1, now::get);
        assertEquals(1, gate.due());
        assertEquals(0, gate.due());
        after(60);
        assertEquals(2, gate.due());
    }
}
