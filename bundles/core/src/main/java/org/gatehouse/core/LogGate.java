package org.gatehouse.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * At most one log line per key (a source address, a relay address) per interval, however often the
 * event it reports happens, and the count of events since the last line, so that what anyone can
 * cause at will (junk packets, refused connections, a full port range) cannot flood the log or push
 * the operator's own errors out of sight. {@link #due(Object)} counts one event and says whether a
 * line is due now. The table is cleared when it reaches its bound of keys, so forged sources cannot
 * grow it without end: some of them then get a line sooner, never more than one per event.
 *
 * @param <K> what one line stands for
 */
public final class LogGate<K> {

    /** The key of a gate with one line for everything ({@link #due()}). */
    private static final Object ALL = new Object();

    private final ConcurrentHashMap<Object, long[]> keys = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final int maxKeys;
    private volatile long intervalNanos;

    /** A line per key per {@code seconds}, for at most {@code maxKeys} keys at a time. */
    public LogGate(long seconds, int maxKeys) {
        this(seconds, maxKeys, System::nanoTime);
    }

    /** With {@code clock} giving nanoseconds, as {@link System#nanoTime()} does: for tests. */
    public LogGate(long seconds, int maxKeys, LongSupplier clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys " + maxKeys);
        }
        this.clock = clock;
        this.maxKeys = maxKeys;
        interval(seconds);
    }

    /** A line per key per {@code seconds} from now on (a configuration change). */
    public void interval(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("interval " + seconds);
        }
        intervalNanos = TimeUnit.SECONDS.toNanos(seconds);
    }

    /**
     * Counts one event for {@code key}: when a line is due now, the number of events since the last
     * line (this one included, so at least 1); otherwise 0, and the event waits to be counted in the
     * next line.
     */
    public long due(K key) {
        return count(key);
    }

    /** {@link #due(Object)} for a gate with one line for everything. */
    public long due() {
        return count(ALL);
    }

    private long count(Object key) {
        long now = clock.getAsLong();
        long interval = intervalNanos;
        if (keys.size() >= maxKeys && !keys.containsKey(key)) {
            keys.clear();
        }
        // {time of the last line, events since it (this one included)}
        long[] entry = keys.computeIfAbsent(key, k -> new long[] {now - interval, 0});
        synchronized (entry) {
            entry[1]++;
            if (now - entry[0] < interval) {
                return 0;
            }
            long count = entry[1];
            entry[0] = now;
            entry[1] = 0;
            return count;
        }
    }
}
