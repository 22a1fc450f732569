package org.gatehouse.stun.internal;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** {@code etc/org.gatehouse.stun.cfg}, validated as a whole before any of it applies. */
record StunSettings(List<InetSocketAddress> listen, boolean tcp, List<InetSocketAddress> tlsListen, byte[] software, int tcpIdleTimeoutSeconds,
        int malformedLogIntervalSeconds, InetSocketAddress alternate, String source) {

    static final String PID = "org.gatehouse.stun";
    static final int DEFAULT_PORT = 3478;
    static final List<String> DEFAULT_LISTEN = List.of("0.0.0.0:3478", "[::]:3478");
    static final int DEFAULT_TLS_PORT = 5349;
    static final List<String> DEFAULT_TLS_LISTEN = List.of("0.0.0.0:5349", "[::]:5349");
    static final String DEFAULT_SOFTWARE = "Gatehouse";

    static StunSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        List<InetSocketAddress> listen = s.list("listen", DEFAULT_LISTEN, text -> IpAddresses.parseSocketAddress(text, DEFAULT_PORT));
        boolean tcp = s.bool("tcp", true);
        List<InetSocketAddress> tlsListen = s.list("tls-listen", DEFAULT_TLS_LISTEN,
                text -> IpAddresses.parseSocketAddress(text, DEFAULT_TLS_PORT));
        String software = s.string("software", DEFAULT_SOFTWARE);
        byte[] softwareBytes = software.isEmpty() ? null : software.getBytes(StandardCharsets.UTF_8);
        if (softwareBytes != null && softwareBytes.length > 763) {
            throw new InvalidSettingException(s.source(), "software", software, "is longer than 763 bytes (RFC 8489 section 14.14)");
        }
        int idle = s.integer("tcp-idle-timeout", 600, 10, 86_400);
        int logInterval = s.integer("malformed-log-interval", 60, 1, 86_400);
        InetSocketAddress alternate = null;
        if (s.has("alternate-address")) {
            String text = s.string("alternate-address", "");
            try {
                alternate = IpAddresses.parseSocketAddress(text, DEFAULT_PORT + 1);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(s.source(), "alternate-address", text, "is invalid: " + e.getMessage());
            }
            if (alternate.getAddress().isAnyLocalAddress()) {
                throw new InvalidSettingException(s.source(), "alternate-address", text,
                        "must be a concrete address of this host, not a wildcard");
            }
            // Sockets bind with SO_REUSEPORT, so a clash would not fail: it would quietly share the
            // primary socket's traffic and answer with the wrong RESPONSE-ORIGIN.
            for (InetSocketAddress l : listen) {
                if (l.getAddress().isAnyLocalAddress()) {
                    continue;
                }
                if (l.getAddress().equals(alternate.getAddress())) {
                    throw new InvalidSettingException(s.source(), "alternate-address", text,
                            "must be a second address of this host, not the listen address " + IpAddresses.format(l));
                }
                if (alternate.getPort() != 0 && alternate.getPort() == l.getPort()) {
                    throw new InvalidSettingException(s.source(), "alternate-address", text,
                            "must use another port than the listen address " + IpAddresses.format(l));
                }
            }
        }
        return new StunSettings(List.copyOf(listen), tcp, List.copyOf(tlsListen), softwareBytes, idle, logInterval, alternate, s.source());
    }
}
