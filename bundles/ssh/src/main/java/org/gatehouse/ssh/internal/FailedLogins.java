package org.gatehouse.ssh.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.core.net.IpAddresses;

/**
 * Failed password logins per client address (an IPv6 client by its /64): {@link #LIMIT} of them
 * within {@link #WINDOW_SECONDS} refuse that address's passwords without checking them until the
 * window that began with its first failure has passed. A guesser on the management network gets
 * through 10 passwords per 5 minutes instead of the 20 a second the two checking threads could take,
 * and cannot fill their queue for the administrators. Keys are not counted (a client offers each of
 * its keys in turn). At most {@link #MAX_ADDRESSES} windows are kept; a full table drops the ones
 * that have passed, and a new address then goes uncounted until room is made.
 */
final class FailedLogins {

    static final int LIMIT = 10;
    static final int WINDOW_SECONDS = 300;
    static final int MAX_ADDRESSES = 10_000;

    private record Window(long start, int failures) {
    }

    private final ConcurrentHashMap<InetAddress, Window> windows = new ConcurrentHashMap<>();
    private final long windowNanos;

    FailedLogins() {
        this(WINDOW_SECONDS);
    }

    FailedLogins(int windowSeconds) {
        this.windowNanos = windowSeconds * 1_000_000_000L;
    }

    private static InetAddress key(SocketAddress client) {
        return client instanceof InetSocketAddress ? IpAddresses.clientKey(((InetSocketAddress) client).getAddress(), 64) : null;
    }

    /** Seconds until {@code client} may try a password again, 0 when it may now. */
    long blockedSeconds(SocketAddress client) {
        InetAddress k = key(client);
        Window w = k == null ? null : windows.get(k);
        if (w == null || w.failures() < LIMIT) {
            return 0;
        }
        long left = w.start() + windowNanos - System.nanoTime();
        if (left <= 0) {
            windows.remove(k, w);
            return 0;
        }
        return Math.max(1, left / 1_000_000_000L);
    }

    /** A wrong password (or unknown user) from {@code client}; true when this failure blocks the address. */
    boolean failed(SocketAddress client) {
        InetAddress k = key(client);
        if (k == null) {
            return false;
        }
        long now = System.nanoTime();
        if (windows.size() >= MAX_ADDRESSES && !windows.containsKey(k)) {
            windows.values().removeIf(w -> now - w.start() > windowNanos);
            if (windows.size() >= MAX_ADDRESSES) {
                return false;
            }
        }
        Window w = windows.compute(k, (a, old) -> old == null || now - old.start() > windowNanos
                ? new Window(now, 1) : new Window(old.start(), old.failures() + 1));
        return w.failures() == LIMIT;
    }
}
