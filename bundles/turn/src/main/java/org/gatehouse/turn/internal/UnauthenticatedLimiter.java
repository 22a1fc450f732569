package org.gatehouse.turn.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code rate} 401 answers per second to one source address (bursts of twice that), so a
 * forged source address cannot turn the server into a reflector. The table is bounded: when it fills
 * (a flood from many addresses) it starts over, which never blocks a real client for long.
 */
final class UnauthenticatedLimiter {

    private static final int MAX_ADDRESSES = 65_536;

    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile int rate;

    UnauthenticatedLimiter(int rate) {
        this.rate = rate;
    }

    void rate(int perSecond) {
        this.rate = perSecond;
    }

    /** Whether one more 401 may go to {@code address} now. */
    boolean tryAcquire(InetAddress address) {
        int r = rate;
        if (r == 0) {
            return true;
        }
        if (buckets.size() >= MAX_ADDRESSES) {
            buckets.clear();
        }
        Bucket b = buckets.computeIfAbsent(address, a -> {
            Bucket n = new Bucket();
            n.tokens = 2.0 * r;
            n.lastNanos = System.nanoTime();
            return n;
        });
        synchronized (b) {
            long now = System.nanoTime();
            b.tokens = Math.min(2.0 * r, b.tokens + (now - b.lastNanos) * r / 1e9);
            b.lastNanos = now;
            if (b.tokens < 1) {
                return false;
            }
            b.tokens -= 1;
            return true;
        }
    }

    /** Forgets addresses whose bucket has been full for a while. */
    void sweep() {
        long cutoff = System.nanoTime() - 60_000_000_000L;
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.lastNanos < cutoff;
            }
        });
    }
}
