package org.gatehouse.ban.internal;

/**
 * The times of one address's failed attempts within the find time, oldest first: a ring that grows
 * to at most max-failures entries, so an address with one failure costs a few bytes.
 */
final class Failures {

    private long[] times = new long[2];
    private int start;
    private int count;

    /**
     * Records a failure at {@code now}, forgetting those at or before {@code now - window} and any
     * beyond the newest {@code max}; returns how many are counted now.
     */
    int add(long now, long window, int max) {
        forgetUntil(now - window);
        while (count >= max) {
            dropOldest();
        }
        if (count == times.length) {
            grow(Math.min(max, times.length * 2));
        }
        times[(start + count) % times.length] = now;
        count++;
        return count;
    }

    /** How many fall after {@code cutoff}, without changing anything. */
    int countAfter(long cutoff) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (times[(start + i) % times.length] - cutoff > 0) {
                n++;
            }
        }
        return n;
    }

    /** The oldest failure after {@code cutoff}; only meaningful when {@link #countAfter} is positive. */
    long firstAfter(long cutoff) {
        for (int i = 0; i < count; i++) {
            long t = times[(start + i) % times.length];
            if (t - cutoff > 0) {
                return t;
            }
        }
        return last();
    }

    long last() {
        return count == 0 ? Long.MIN_VALUE : times[(start + count - 1) % times.length];
    }

    /** Whether every failure is at or before {@code cutoff}. */
    boolean staleAt(long cutoff) {
        return count == 0 || last() - cutoff <= 0;
    }

    private void forgetUntil(long cutoff) {
        while (count > 0 && times[start] - cutoff <= 0) {
            dropOldest();
        }
    }

    private void dropOldest() {
        start = (start + 1) % times.length;
        count--;
    }

    private void grow(int capacity) {
        long[] next = new long[Math.max(capacity, count + 1)];
        for (int i = 0; i < count; i++) {
            next[i] = times[(start + i) % times.length];
        }
        times = next;
        start = 0;
    }
}
