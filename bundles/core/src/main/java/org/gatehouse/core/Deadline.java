package org.gatehouse.core;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One deadline of a connection, kept with a lazily moved timer: setting, clearing and setting it
 * again for every request costs field writes, not a scheduled task and its cancellation. A timer is
 * scheduled only when the deadline moves earlier than the one pending; when the pending one fires
 * before the current deadline it moves on to it, and when the deadline is cleared it does nothing.
 * Used from the thread of its executor only (a channel's event loop).
 */
public final class Deadline {

    private final EventExecutor executor;
    private final Runnable onExpiry;
    private final Runnable checkTask = this::check;
    /** System.nanoTime() at which the deadline passes; 0: none. */
    private long at;
    private ScheduledFuture<?> check;
    private long checkAt;

    /** {@code onExpiry} runs on {@code executor} once a set deadline passes without being cleared. */
    public Deadline(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** The deadline is now {@code nanoTime} (a System.nanoTime() value), replacing any earlier one. */
    public void set(long nanoTime) {
        at = nanoTime == 0 ? 1 : nanoTime;
        if (check != null && checkAt - at <= 0) {
            return;
        }
        if (check != null) {
            check.cancel(false);
        }
        checkAt = at;
        check = executor.schedule(checkTask, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** No deadline any more; a pending timer stays scheduled and finds nothing to do. */
    public void clear() {
        at = 0;
    }

    /** No deadline, and the pending timer cancelled: for a connection that closed. */
    public void cancel() {
        at = 0;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void check() {
        check = null;
        if (at == 0) {
            return;
        }
        long left = at - System.nanoTime();
        if (left > 0) {
            checkAt = at;
            check = executor.schedule(checkTask, left, TimeUnit.NANOSECONDS);
            return;
        }
        at = 0;
        onExpiry.run();
    }
}
