package org.gatehouse.auth.ldap.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address: after {@code failure-limit} failures within
 * {@code failure-window} seconds the address is answered 429 without asking the directory until the
 * window that began with its first failure has passed. Guessing passwords gets slow, and a
 * directory's own lockout is not triggered by one noisy client.
 */
final class FailureLimiter {

    static final int MAX_ADDRESSES = 100_000;

    private final int limit;
    private final long windowNanos;
    private final ConcurrentHashMap<InetAddress, Window> windows = new ConcurrentHashMap<>();

    private record Window(long start, int failures) {
    }

    FailureLimiter(int limit, int windowSeconds) {
        this.limit = limit;
        this.windowNanos = windowSeconds * 1_000_000_000L;
    }

    /** Seconds until the address may try again, or 0 when it may now. */
    long blockedSeconds(InetAddress client) {
        Window w = windows.get(client);
        if (w == null || w.failures() < limit) {
            return 0;
        }
        long left = w.start() + windowNanos - System.nanoTime();
        if (left <= 0) {
            windows.remove(client, w);
            return 0;
        }
        return Math.max(1, left / 1_000_000_000L);
    }

    void failed(InetAddress client) {
        long now = System.nanoTime();
        if (windows.size() >= MAX_ADDRESSES) {
            windows.values().removeIf(w -> now - (w.start() + windowNanos) > 0);
        }
        windows.compute(client, (a, w) -> w == null || now - (w.start() + windowNanos) > 0 ? new Window(now, 1)
                : new Window(w.start(), w.failures() + 1));
    }
}
