package org.gatehouse.stun.internal;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/**
 * {@code etc/org.gatehouse.stun.cfg}, validated as a whole before any of it applies. {@code warnings}:
 * lines for the log about values that are used but not as written (an address listed twice, an
 * alternate-address that applies to no listen address).
 */
record StunSettings(List<InetSocketAddress> listen, boolean tcp, List<InetSocketAddress> tlsListen, byte[] software, int tcpIdleTimeoutSeconds,
        int maxAllocateTimeoutSeconds, int malformedLogIntervalSeconds, InetSocketAddress alternate, String source, List<String> warnings) {

    static final String PID = "org.gatehouse.stun";
    static final int DEFAULT_PORT = 3478;
    /** The longest SOFTWARE text: a Binding answer to a 20-byte request stays within about 4 times its size. */
    static final int MAX_SOFTWARE = 32;
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
        checkSoftware(s.source(), software);
        byte[] softwareBytes = software.isEmpty() ? null : software.getBytes(StandardCharsets.US_ASCII);
        int idle = s.integer("tcp-idle-timeout", 600, 10, 86_400);
        int allocateTimeout = s.integer("max-allocate-timeout", 60, 1, 86_400);
        int logInterval = s.integer("malformed-log-interval", 60, 1, 86_400);
        List<String> warnings = new ArrayList<>();
        listen = once(s.source(), "listen", listen, warnings);
        tlsListen = once(s.source(), "tls-listen", tlsListen, warnings);
        wildcardAlone(s.source(), "listen", s.string("listen", ""), listen);
        wildcardAlone(s.source(), "tls-listen", s.string("tls-listen", ""), tlsListen);
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
        if (alternate != null) {
            boolean v6 = alternate.getAddress() instanceof Inet6Address;
            if (listen.stream().noneMatch(l -> !l.getAddress().isAnyLocalAddress() && (l.getAddress() instanceof Inet6Address) == v6)) {
                warnings.add(s.source() + ": alternate-address = '" + s.string("alternate-address", "") + "' applies to no listen address: "
                        + "behaviour discovery (RFC 5780) needs a listen address of the same family (" + (v6 ? "IPv6" : "IPv4")
                        + ") that is not a wildcard (0.0.0.0, [::]); it stays off");
            }
        }
        return new StunSettings(List.copyOf(listen), tcp, List.copyOf(tlsListen), softwareBytes, idle, allocateTimeout, logInterval, alternate, s.source(),
                List.copyOf(warnings));
    }

    /** Each address once, in the order first written; one warning per address written again. */
    private static List<InetSocketAddress> once(String source, String key, List<InetSocketAddress> addresses, List<String> warnings) {
        Set<InetSocketAddress> seen = new LinkedHashSet<>();
        for (InetSocketAddress a : addresses) {
            if (!seen.add(a)) {
                // Served once all the same; said, since an address written twice is often another one mistyped.
                warnings.add(source + ": " + key + ": " + IpAddresses.format(a) + " is listed more than once; it is served once");
            }
        }
        return new ArrayList<>(seen);
    }

    /**
     * A wildcard and an address of its family on the same port cannot both be had (the second bind
     * finds the port in use; [::] takes IPv4 too), and which one failed would depend on the order
     * written: refused, with what to write instead. A wildcard answers on every address of this host,
     * each answer from the address it was sent to.
     */
    private static void wildcardAlone(String source, String key, String text, List<InetSocketAddress> addresses)
            throws InvalidSettingException {
        for (InetSocketAddress w : addresses) {
            if (!w.getAddress().isAnyLocalAddress() || w.getPort() == 0) {
                continue;
            }
            for (InetSocketAddress a : addresses) {
                boolean sameFamily = (a.getAddress() instanceof Inet6Address) == (w.getAddress() instanceof Inet6Address);
                if (!a.getAddress().isAnyLocalAddress() && a.getPort() == w.getPort() && (sameFamily || w.getAddress() instanceof Inet6Address)) {
                    throw new InvalidSettingException(source, key, text, IpAddresses.format(a) + " and " + IpAddresses.format(w)
                            + " share port " + w.getPort() + ", and only one of them can be opened: the wildcard already answers on every"
                            + " address of this host (from that address); list the wildcard or the addresses, not both (behaviour discovery,"
                            + " alternate-address, needs the addresses)");
                }
            }
        }
    }

    /**
     * SOFTWARE is at most {@link #MAX_SOFTWARE} characters (RFC 8489 section 14.14 allows 127). Printable ASCII only: FileInstall
     * reads etc/*.cfg as ISO-8859-1, so any other character typed in a UTF-8 editor would go out
     * mangled without a word, and a product name and version need no more. The value is quoted
     * shortened: a pasted screenful does not belong in the log.
     */
    private static void checkSoftware(String source, String software) throws InvalidSettingException {
        String quoted = software.length() <= 40 ? software : software.substring(0, 40) + "...";
        for (int i = 0; i < software.length(); i++) {
            char c = software.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new InvalidSettingException(source, "software", quoted, String.format(
                        "has a character other than printable ASCII (U+%04X at position %d): .cfg files are read as ISO-8859-1, "
                        + "so it would be sent mangled; use ASCII", (int) c, i + 1));
            }
        }
        if (software.length() > MAX_SOFTWARE) {
            // RFC 8489 section 14.14 allows up to 127; every answer to a 20-byte Binding request from
            // any (spoofed) UDP source carries it, so a long text makes this server an amplifier.
            throw new InvalidSettingException(source, "software", quoted, "is " + software.length()
                    + " characters long; at most " + MAX_SOFTWARE + " (it goes into every answer, also to spoofed UDP requests"
                    + " 20 bytes long: a longer one would multiply what they make this server send)");
        }
    }
}
