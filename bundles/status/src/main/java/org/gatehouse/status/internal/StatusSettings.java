package org.gatehouse.status.internal;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** {@code etc/org.gatehouse.status.cfg}, validated as a whole: a bad key leaves everything as it was. */
record StatusSettings(List<InetSocketAddress> listen, int pageRefreshSeconds, String source) {

    static final String PID = "org.gatehouse.status";
    static final String LISTEN = "listen";
    static final String PAGE_REFRESH = "page-refresh";
    static final String DEFAULT_LISTEN = "127.0.0.1:9090";
    static final int DEFAULT_PORT = 9090;

    static StatusSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        List<InetSocketAddress> listen = s.list(LISTEN, List.of(DEFAULT_LISTEN), t -> IpAddresses.parseSocketAddress(t, DEFAULT_PORT));
        // Said, not merged: an address written twice is most often another one mistyped.
        Set<InetSocketAddress> seen = new HashSet<>();
        for (InetSocketAddress a : listen) {
            if (!seen.add(a)) {
                throw new InvalidSettingException(s.source(), LISTEN, IpAddresses.format(a), "is listed twice");
            }
        }
        int refresh = s.integer(PAGE_REFRESH, 10, 0, 3600);
        return new StatusSettings(List.copyOf(listen), refresh, s.source());
    }
}
