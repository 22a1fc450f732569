package org.gatehouse.auth.ldap.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.core.net.IpAddresses;

/**
 * Failed logins per client address: after {@code failure-limit} failures within
 * {@code failure-window} seconds the address is answered 429 without asking the directory until the
 * window that began with its first failure has passed. Guessing passwords gets slow, and a
 * directory's own lockout is not triggered by one noisy client.
 *
 * <p>An IPv6 client counts by its /64, which one host or one site has whole: otherwise a single
 * host could take a fresh address for every guess. At most {@link #MAX_ADDRESSES} addresses are
 * tracked. When the table is full, a sweep (at most once a second) removes the windows that have
 * passed and then those with a single failure: an address that keeps failing keeps its count, and
 * filling the table with one failure from each of many addresses only pushes out others like them.
 * A new address that finds the table still full is not tracked until the next sweep.
 */
final class FailureLimiter {

    static final int MAX_ADDRESSES = 100_000;
    private static final long SWEEP_NANOS = 1_000_000_000L;

    private volatile int limit;
    private volatile long windowNanos;
    private final int maxAddresses;
    private final ConcurrentHashMap<InetAddress, Window> windows = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime() - SWEEP_NANOS;

    private record Window(long start, int failures) {
    }

    FailureLimiter(int limit, int windowSeconds) {
        this(limit, windowSeconds, MAX_ADDRESSES);
    }

    FailureLimiter(int limit, int windowSeconds, int maxAddresses) {
        this.limit = limit;
        this.windowNanos = windowSeconds * 1_000_000_000L;
        this.maxAddresses = maxAddresses;
    }

    /**
     * New limits for the counts kept: an address already at the new limit is blocked at once, and a
     * shorter window ends the ones that began long enough ago. Returns this limiter.
     */
    FailureLimiter use(int limit, int windowSeconds) {
        this.limit = limit;
        this.windowNanos = windowSeconds * 1_000_000_000L;
        return this;
    }

    private static InetAddress key(InetAddress client) {
        return IpAddresses.clientKey(client, 64);
    }

    /** Seconds until the address may try again, or 0 when it may now. */
    long blockedSeconds(InetAddress client) {
        InetAddress key = key(client);
        Window w = windows.get(key);
        if (w == null || w.failures() < limit) {
            return 0;
        }
        long left = w.start() + windowNanos - System.nanoTime();
        if (left <= 0) {
            windows.remove(key, w);
            return 0;
        }
        return Math.max(1, left / 1_000_000_000L);
    }

    void failed(InetAddress client) {
        long now = System.nanoTime();
        InetAddress key = key(client);
        if (windows.size() >= maxAddresses && !windows.containsKey(key)) {
            if (now - lastSweep >= SWEEP_NANOS) {
                lastSweep = now;
                windows.values().removeIf(w -> now - (w.start() + windowNanos) > 0);
                if (windows.size() >= maxAddresses) {
                    windows.values().removeIf(w -> w.failures() <= 1);
                }
            }
            if (windows.size() >= maxAddresses) {
                return;
            }
        }
        windows.compute(key, (a, w) -> w == null || now - (w.start() + windowNanos) > 0 ? new Window(now, 1)
                : new Window(w.start(), w.failures() + 1));
    }

    /** Addresses (IPv6: /64 prefixes) tracked now. */
    int tracked() {
        return windows.size();
    }
}
