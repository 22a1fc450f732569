package org.gatehouse.stun.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.StunConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per source address per interval for dropped packets, so a flood of junk cannot
 * flood the log; the next line says how many were dropped silently in between. The lines are INFO:
 * what anyone on the Internet can send at will is no fault of this box, and at WARN it would push
 * the operator's own errors out of gatehouse:status's "Last errors" (the metrics still count it).
 * Every dropped packet is in some line's figures: one its address's line left out for the limit
 * across all addresses is counted, with the packets that line stood for, in the next line written.
 */
final class MalformedLog {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");
    private static final int MAX_SOURCES = 10_000;
    /** Lines per second across all sources: spoofed or many-address junk cannot flood the log either. */
    static final int MAX_LINES_PER_SECOND = 10;

    private final LongSupplier clock;
    private final LogGate<InetAddress> sources;
    private long secondStart;
    private int linesThisSecond;
    /** Packets whose address's line was left out for the limit across all addresses. */
    private long suppressedGlobally;

    MalformedLog() {
        this(System::nanoTime);
    }

    /** With {@code clock} giving nanoseconds, as {@link System#nanoTime()} does: for tests. */
    MalformedLog(LongSupplier clock) {
        this.clock = clock;
        this.sources = new LogGate<>(60, MAX_SOURCES, clock);
    }

    void interval(int seconds) {
        sources.interval(seconds);
    }

    void report(StunConnection connection, InetSocketAddress client, Supplier<String> reason) {
        long due = sources.due(client.getAddress());
        if (due == 0) {
            return;
        }
        long suppressed = due - 1;
        long now = clock.getAsLong();
        long othersSuppressed;
        synchronized (this) {
            if (now - secondStart >= TimeUnit.SECONDS.toNanos(1)) {
                secondStart = now;
                linesThisSecond = 0;
            }
            if (++linesThisSecond > MAX_LINES_PER_SECOND) {
                // Not lost: this packet and those its address dropped since its last line.
                suppressedGlobally += due;
                return;
            }
            othersSuppressed = suppressedGlobally;
            suppressedGlobally = 0;
        }
        LOG.info("STUN {} {}: dropped packet from {}: {}{}{}", connection.protocol(),
                IpAddresses.format(connection.localAddress()), IpAddresses.format(client), reason.get(),
                suppressed == 0 ? "" : " (" + suppressed + " more from this address dropped since the last report)",
                othersSuppressed == 0 ? "" : " (" + othersSuppressed + " more from other addresses dropped without a line: over "
                        + MAX_LINES_PER_SECOND + " lines a second)");
    }
}
