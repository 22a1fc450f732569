package org.gatehouse.turn.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.gatehouse.core.net.IpAddresses;

/**
 * One WARN line per relay address per minute at most about Allocates refused because the relay port
 * range is full, with the count refused since the last line: many authenticated Allocates (load, or
 * an attack with valid credentials) cannot flood the log. Each Allocate still gets its 508. The
 * table holds the relay addresses only, which the configuration bounds.
 */
final class PortShortageLog {

    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final ConcurrentHashMap<InetAddress, long[]> relays = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    PortShortageLog() {
        this(System::nanoTime);
    }

    /** With {@code clock} giving nanoseconds, as {@link System#nanoTime()} does: for tests. */
    PortShortageLog(LongSupplier clock) {
        this.clock = clock;
    }

    /** An Allocate found no free port on {@code relay} in {@code minPort}-{@code maxPort}. */
    void refused(InetAddress relay, int minPort, int maxPort) {
        long count = due(relay);
        if (count > 0) {
            TurnServer.LOG.warn("TURN: no free relay port on {} in {}-{} (etc/org.gatehouse.turn.cfg min-port, max-port){}",
                    IpAddresses.format(relay), minPort, maxPort,
                    count > 1 ? "; " + count + " Allocates refused (508) since the last such line" : "");
        }
    }

    /**
     * Counts one event on {@code relay}: the events since the last line (this one included) when a
     * line is due now, else 0. Also the gate of the relay-socket bind failure line ({@link Allocator}).
     */
    long due(InetAddress relay) {
        long now = clock.getAsLong();
        // {time of the last line, events since it (this one included)}
        long[] entry = relays.computeIfAbsent(relay, a -> new long[] {now - INTERVAL, 0});
        synchronized (entry) {
            entry[1]++;
            if (now - entry[0] < INTERVAL) {
                return 0;
            }
            long count = entry[1];
            entry[0] = now;
            entry[1] = 0;
            return count;
        }
    }
}
