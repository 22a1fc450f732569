package org.gatehouse.status.internal;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/**
 * {@code etc/org.gatehouse.status.cfg}, validated as a whole: a bad key leaves everything as it was.
 * {@code hostNames}: those of host-names, localhost and this host's name, as {@link #hostName} gives them.
 */
record StatusSettings(List<InetSocketAddress> listen, int pageRefreshSeconds, Set<String> hostNames, String source) {

    static final String PID = "org.gatehouse.status";
    static final String LISTEN = "listen";
    static final String PAGE_REFRESH = "page-refresh";
    static final String HOST_NAMES = "host-names";
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
        Set<String> names = new HashSet<>();
        for (String n : s.list(HOST_NAMES, List.of(), t -> t)) {
            String name = hostName(n);
            if (name.matches("[^:\\[\\]]+:[0-9]{1,5}")) {
                // Written as the scrape target (name:port): the port plays no part, any is answered.
                name = name.substring(0, name.indexOf(':'));
            }
            if (!name.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                throw new InvalidSettingException(s.source(), HOST_NAMES, n, "is not a host name (such as gatehouse1.mgmt.example.com)");
            }
            names.add(name);
        }
        // This host's name, looked up here (on the configuration's thread) rather than per request
        // on an I/O thread, where a resolver that does not answer would hold every connection.
        names.add(hostName(IpAddresses.localHostName()));
        names.add("localhost");
        return new StatusSettings(List.copyOf(listen), refresh, Set.copyOf(names), s.source());
    }

    /** A name as compared: lower case, without the root's trailing dot. */
    static String hostName(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /**
     * Whether a request's {@code Host} may be answered: an IP address, {@code localhost}, this host's
     * name or one of {@code host-names}, with any port; none at all (HTTP/1.0). Any other name is
     * what a page elsewhere gets after its name was re-pointed to this listener (DNS rebinding): a
     * browser on the management network would otherwise read the status page and metrics for it.
     */
    boolean hostAllowed(String host) {
        if (host == null) {
            return true;
        }
        String h = host.strip();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && literal(h.substring(0, end + 1));
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        h = hostName(h);
        return literal(h) || hostNames.contains(h);
    }

    private static boolean literal(String text) {
        try {
            IpAddresses.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
