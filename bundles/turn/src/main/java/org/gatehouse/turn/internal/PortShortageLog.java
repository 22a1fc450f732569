package org.gatehouse.turn.internal;

import java.net.InetAddress;
import java.util.function.LongSupplier;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.net.IpAddresses;

/**
 * One WARN line per relay address per minute at most about Allocates refused because the relay port
 * range is full, with the count refused since the last line: many authenticated Allocates (load, or
 * an attack with valid credentials) cannot flood the log. Each Allocate still gets its 508. The
 * table holds the relay addresses only, which the configuration bounds.
 */
final class PortShortageLog {

    private final LogGate<InetAddress> gate;

    PortShortageLog() {
        this(System::nanoTime);
    }

    /** With {@code clock} giving nanoseconds, as {@link System#nanoTime()} does: for tests. */
    PortShortageLog(LongSupplier clock) {
        // Relay addresses only, which the configuration bounds: the key bound is never reached.
        this.gate = new LogGate<>(60, 1024, clock);
    }

    /** An Allocate found no free port on {@code relay} in {@code minPort}-{@code maxPort}. */
    void refused(InetAddress relay, int minPort, int maxPort) {
        long count = gate.due(relay);
        if (count > 0) {
            TurnServer.LOG.warn("TURN: no free relay port on {} in {}-{} (etc/org.gatehouse.turn.cfg min-port, max-port){}",
                    IpAddresses.format(relay), minPort, maxPort,
                    count > 1 ? "; " + count + " Allocates refused (508) since the last such line" : "");
        }
    }
}
