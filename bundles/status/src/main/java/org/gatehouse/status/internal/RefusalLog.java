package org.gatehouse.status.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.core.net.IpAddresses;
import org.slf4j.Logger;

/**
 * One log line per minute at most about connections refused for coming from outside the management
 * networks, with the count since the last line: a scanner cannot fill the log.
 */
final class RefusalLog {

    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLine = new AtomicLong(System.nanoTime() - INTERVAL);

    RefusalLog(Logger log) {
        this.log = log;
    }

    void refused(InetSocketAddress source) {
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLine.get();
        if (now - last >= INTERVAL && lastLine.compareAndSet(last, now)) {
            long count = refused.getAndSet(0);
            log.info("Status: refused a connection from {}, outside management-networks (etc/org.gatehouse.core.cfg){}",
                    source == null ? "an unknown address" : IpAddresses.format(source.getAddress()),
                    count > 1 ? "; " + count + " refused since the last such line" : "");
        } else if (n == Long.MAX_VALUE) {
            refused.set(0);
        }
    }
}
