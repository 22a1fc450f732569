package org.gatehouse.core.net;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.gatehouse.core.Background;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries again, every {@link #INTERVAL_SECONDS} s, the listeners a configuration asks for that could not
 * be opened (a port another program still holds, an address this host does not have yet), so that one
 * opens once it can without the operator touching anything. The attempt runs on a thread of its own
 * (binding waits for the I/O threads) and under the component's lock, so it never races a
 * configuration change; a change made since the attempt was scheduled ({@link #retry} or {@link #stop}
 * called again) cancels it. Methods are called with the component's lock held.
 */
public final class ListenerRetry {

    /** How often a listener that could not be opened is tried again. */
    public static final int INTERVAL_SECONDS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(ListenerRetry.class);

    private final String threadName;
    private final Object lock;
    private final long intervalMillis;
    private ScheduledExecutorService thread;
    private ScheduledFuture<?> pending;
    /** Counts {@link #retry} and {@link #stop} calls: an attempt scheduled before the last one does nothing. */
    private long generation;
    private boolean closed;

    /**
     * @param threadName the name of the thread the attempts run on while there are any (as thread dumps show it)
     * @param lock the component's lock, held by every method that changes its listeners
     * @param intervalMillis between attempts: {@code INTERVAL_SECONDS * 1000} but in tests
     */
    public ListenerRetry(String threadName, Object lock, long intervalMillis) {
        this.threadName = threadName;
        this.lock = lock;
        this.intervalMillis = intervalMillis;
    }

    /**
     * Runs {@code attempt} every interval, under the lock, until it returns true (nothing left to open),
     * {@link #retry} or {@link #stop} is called again (a new configuration, which makes its own attempts)
     * or {@link #close}. Replaces the attempt scheduled before.
     */
    public void retry(BooleanSupplier attempt) {
        stop();
        if (closed) {
            return;
        }
        long scheduled = generation;
        if (thread == null) {
            thread = Background.thread(threadName);
        }
        pending = thread.scheduleWithFixedDelay(() -> attempt(scheduled, attempt), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void attempt(long scheduled, BooleanSupplier attempt) {
        synchronized (lock) {
            if (closed || generation != scheduled) {
                return;
            }
            boolean done;
            try {
                done = attempt.getAsBoolean();
            } catch (RuntimeException e) {
                LOG.warn("{}: trying the listeners that could not be opened again failed: {}", threadName, e.toString());
                done = false;
            }
            if (done && generation == scheduled) {
                stop();
            }
        }
    }

    /** No more attempts: every listener asked for is open, or a configuration asking for none applies. */
    public void stop() {
        generation++;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        if (thread != null) {
            // Lets an attempt under way finish; the thread then ends.
            thread.shutdown();
            thread = null;
        }
    }

    /** Whether an attempt is scheduled. */
    public boolean retrying() {
        return pending != null;
    }

    /** For deactivation: no attempt runs afterwards, and the thread ends. */
    public void close() {
        closed = true;
        stop();
    }
}
