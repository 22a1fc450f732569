package org.gatehouse.status.internal;

import java.net.InetSocketAddress;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.net.IpAddresses;
import org.slf4j.Logger;

/**
 * One log line per minute at most about connections refused for coming from outside the management
 * networks, with the count since the last line: a scanner cannot fill the log.
 */
final class RefusalLog {

    private final Logger log;
    private final LogGate<Object> gate = new LogGate<>(60, 1);

    RefusalLog(Logger log) {
        this.log = log;
    }

    void refused(InetSocketAddress source) {
        long count = gate.due();
        if (count > 0) {
            log.info("Status: refused a connection from {}, outside management-networks (etc/org.gatehouse.core.cfg){}",
                    source == null ? "an unknown address" : IpAddresses.format(source.getAddress()),
                    count > 1 ? "; " + count + " refused since the last such line" : "");
        }
    }
}
