package org.gatehouse.turn.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The lifetimes of one event loop's allocations (and their permissions and channels) on one timer
 * wheel of one-second slots: one periodic task per loop instead of one per object. An allocation
 * sits in the slot of its next deadline; when the slot comes round the allocation looks at its own
 * clocks, ends or drops what expired, and goes into the slot of its new next deadline. Only the loop's
 * thread touches it, like the allocations it holds.
 */
final class Wheel {

    /** Longer than any lifetime plus the 5 minutes an expired channel stays reserved. */
    static final int SLOTS = 8192;

    interface Timed {
        /** Called at or after its deadline; returns the next deadline (seconds), or -1 when done. */
        long expire(long nowSeconds);

        /** The deadline this entry was last scheduled for; entries scheduled elsewhere since are skipped. */
        long scheduledAt();

        void scheduledAt(long seconds);
    }

    private final long originNanos = System.nanoTime();
    @SuppressWarnings("unchecked")
    private final ArrayList<Timed>[] slots = new ArrayList[SLOTS];
    private final ScheduledFuture<?> ticker;
    private long now;
    private long processed;

    Wheel(EventLoop loop) {
        this.now = elapsedSeconds();
        this.processed = now;
        this.ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private long elapsedSeconds() {
        return (System.nanoTime() - originNanos) / 1_000_000_000L;
    }

    /** Seconds since this wheel started, as of the last tick: the clock every lifetime on this loop uses. */
    long now() {
        return now;
    }

    /** Puts {@code t} in the slot of {@code deadline}, unless it is already due sooner. */
    void schedule(Timed t, long deadline) {
        long current = t.scheduledAt();
        if (current > 0 && current <= deadline && current > processed) {
            return;
        }
        place(t, deadline);
    }

    private void place(Timed t, long deadline) {
        long at = Math.max(deadline, processed + 1);
        at = Math.min(at, processed + SLOTS - 1);
        t.scheduledAt(at);
        int slot = (int) (at % SLOTS);
        ArrayList<Timed> list = slots[slot];
        if (list == null) {
            list = new ArrayList<>(4);
            slots[slot] = list;
        }
        list.add(t);
    }

    private void tick() {
        now = elapsedSeconds();
        // A late tick (a long GC pause) catches up on every second it missed.
        while (processed < now) {
            processed++;
            int slot = (int) (processed % SLOTS);
            ArrayList<Timed> due = slots[slot];
            if (due == null || due.isEmpty()) {
                continue;
            }
            slots[slot] = null;
            for (Timed t : due) {
                if (t.scheduledAt() != processed) {
                    continue;
                }
                t.scheduledAt(0);
                long next = t.expire(now);
                if (next >= 0) {
                    place(t, next);
                }
            }
        }
    }

    void stop() {
        ticker.cancel(false);
    }
}
