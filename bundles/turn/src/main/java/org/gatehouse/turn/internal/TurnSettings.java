package org.gatehouse.turn.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;

/**
 * {@code etc/org.gatehouse.turn.cfg}, validated as a whole before any of it applies. Keys are
 * coturn's {@code turnserver.conf} names wherever the concept is the same.
 */
record TurnSettings(String realm, Path userdb, boolean useAuthSecret, List<byte[]> staticAuthSecrets,
        char restSeparator, List<InetAddress> relayIps, List<ExternalMapping> externalIps, int minPort, int maxPort,
        AddressSet allowedPeers, AddressSet deniedPeers, boolean restricted, int userQuota, int totalQuota,
        long maxBps, int maxAllocateLifetime, int permissionLifetime, int channelLifetime, int staleNonce,
        int unauthenticatedRate, List<InetSocketAddress> alternateServers, String source) {

    static final String PID = "org.gatehouse.turn";
    static final String DEFAULT_REALM = "gatehouse";
    static final String DEFAULT_USERDB = "etc/turn-users";
    static final int DEFAULT_ALLOCATE_LIFETIME = 600;
    /**
     * 401 answers per second per source address. Every allocation starts with one, and a conferencing
     * node (or an office NAT) makes many from one address; a 401 is about three times its request, so
     * a forged source gains little at this rate.
     */
    static final int DEFAULT_UNAUTHENTICATED_RATE = 100;

    /**
     * {@code external-ip}: {@code public} alone (every relay address of that family is reached
     * there) or {@code public/private} (the relay address {@code private} is reached at {@code public}).
     */
    record ExternalMapping(InetAddress external, InetAddress relay) {

        static ExternalMapping parse(String text) {
            int slash = text.indexOf('/');
            InetAddress external = IpAddresses.parse(slash < 0 ? text : text.substring(0, slash).strip());
            InetAddress relay = slash < 0 ? null : IpAddresses.parse(text.substring(slash + 1).strip());
            if (relay != null && (external instanceof Inet6Address) != (relay instanceof Inet6Address)) {
                throw new IllegalArgumentException("public and private address must be of the same family");
            }
            return new ExternalMapping(IpAddresses.canonical(external), relay == null ? null : IpAddresses.canonical(relay));
        }

        @Override
        public String toString() {
            return IpAddresses.format(external) + (relay == null ? "" : "/" + IpAddresses.format(relay));
        }
    }

    static TurnSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        String realm = s.string("realm", DEFAULT_REALM);
        if (realm.isEmpty() || realm.getBytes(StandardCharsets.UTF_8).length > 763) {
            throw new InvalidSettingException(s.source(), "realm", realm, "must be 1 to 763 bytes (RFC 8489 section 14.9)");
        }
        String userdbText = s.string("userdb", DEFAULT_USERDB);
        Path userdb;
        try {
            userdb = resolve(userdbText);
        } catch (RuntimeException e) {
            throw new InvalidSettingException(s.source(), "userdb", userdbText, "is not a file path: " + e.getMessage());
        }
        boolean useAuthSecret = s.bool("use-auth-secret", false);
        List<byte[]> secrets = new ArrayList<>();
        for (String secret : s.list("static-auth-secret", List.of())) {
            secrets.add(secret.getBytes(StandardCharsets.UTF_8));
        }
        if (useAuthSecret && secrets.isEmpty()) {
            throw new InvalidSettingException(s.source(), "static-auth-secret", "",
                    "is required when use-auth-secret = true (the secret shared with the web service issuing credentials)");
        }
        String separator = s.string("rest-api-separator", ":");
        if (separator.length() != 1) {
            throw new InvalidSettingException(s.source(), "rest-api-separator", separator, "must be one character");
        }
        List<InetAddress> relayIps = s.list("relay-ip", List.of(), text -> IpAddresses.canonical(IpAddresses.parse(text)));
        for (InetAddress a : relayIps) {
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new InvalidSettingException(s.source(), "relay-ip", IpAddresses.format(a),
                        "must be an address of this host, not a wildcard or multicast address");
            }
        }
        List<ExternalMapping> external = s.list("external-ip", List.of(), ExternalMapping::parse);
        ambiguousExternal(s, external);
        int minPort = s.integer("min-port", 49152, 1024, 65535);
        int maxPort = s.integer("max-port", 65535, 1024, 65535);
        if (minPort > maxPort) {
            throw new InvalidSettingException(s.source(), "min-port", minPort, "is above max-port (" + maxPort + ")");
        }
        AddressSet allowed = s.addresses("allowed-peer-ip", List.of());
        AddressSet denied = s.addresses("denied-peer-ip", List.of());
        boolean restricted = s.bool("restricted", false);
        if (restricted && allowed.isEmpty()) {
            throw new InvalidSettingException(s.source(), "restricted", "true",
                    "needs allowed-peer-ip to list the conferencing nodes (restricted mode relays to those only)");
        }
        int userQuota = s.integer("user-quota", 0, 0, Integer.MAX_VALUE);
        int totalQuota = s.integer("total-quota", 0, 0, Integer.MAX_VALUE);
        long maxBps = s.integer("max-bps", 0, 0, Integer.MAX_VALUE);
        int maxLifetime = s.integer("max-allocate-lifetime", 3600, 60, 86_400);
        int permissionLifetime = s.integer("permission-lifetime", 300, 30, 3600);
        int channelLifetime = s.integer("channel-lifetime", 600, 60, 3600);
        int staleNonce = s.integer("stale-nonce", 600, 30, 86_400);
        int rate = s.integer("unauthenticated-rate-limit", DEFAULT_UNAUTHENTICATED_RATE, 0, 1_000_000);
        // Where new allocations go while the relay is drained; without a port (or port 0), the port the request came to.
        List<InetSocketAddress> alternates = s.list("alternate-server", List.of(), text -> {
            InetSocketAddress a = IpAddresses.parseSocketAddress(text, 0);
            return new InetSocketAddress(IpAddresses.canonical(a.getAddress()), a.getPort());
        });
        for (InetSocketAddress a : alternates) {
            if (a.getAddress().isAnyLocalAddress() || a.getAddress().isMulticastAddress()) {
                throw new InvalidSettingException(s.source(), "alternate-server", IpAddresses.format(a),
                        "must be the address (and port, if not the same as this server's) of another TURN server");
            }
        }
        return new TurnSettings(realm, userdb, useAuthSecret, List.copyOf(secrets), separator.charAt(0),
                List.copyOf(relayIps), List.copyOf(external), minPort, maxPort, allowed, denied, restricted, userQuota,
                totalQuota, maxBps, maxLifetime, permissionLifetime, channelLifetime, staleNonce, rate, List.copyOf(alternates),
                s.source());
    }

    /**
     * Two public addresses for the same relay addresses (two without a private side in one family, or two
     * for one private address) leave it to chance which one clients are told: refused, naming both, rather
     * than the first taken and the other ignored without a word.
     */
    private static void ambiguousExternal(Settings s, List<ExternalMapping> external) throws InvalidSettingException {
        for (int i = 0; i < external.size(); i++) {
            for (int j = 0; j < i; j++) {
                ExternalMapping a = external.get(j);
                ExternalMapping b = external.get(i);
                String value = a + ", " + b;
                if (a.relay() == null && b.relay() == null
                        && (a.external() instanceof Inet6Address) == (b.external() instanceof Inet6Address)) {
                    throw new InvalidSettingException(s.source(), "external-ip", value, "gives two public addresses for every "
                            + (a.external() instanceof Inet6Address ? "IPv6" : "IPv4") + " relay address; give one per family, or "
                            + "public/private pairs for a relay with several addresses (" + IpAddresses.format(a.external()) + "/PRIVATE)");
                }
                if (a.relay() != null && a.relay().equals(b.relay())) {
                    throw new InvalidSettingException(s.source(), "external-ip", value, "gives two public addresses for the relay address "
                            + IpAddresses.format(a.relay()) + "; give one");
                }
            }
        }
    }

    /**
     * Whether a socket can bind {@code a} here: an address of an interface, or any loopback address
     * (Linux's loopback interface answers for all of 127.0.0.0/8, though it lists 127.0.0.1 only).
     */
    static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    static TurnSettings defaults() {
        try {
            return read(Map.of());
        } catch (InvalidSettingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** Relative paths are under the installation folder (the launcher sets gatehouse.home). */
    static Path resolve(String path) {
        return InstallationPaths.resolve(path);
    }

    /** Lifetime granted for a requested one (absent: -1): at least the default, at most the maximum. */
    int allocationLifetime(long requested) {
        long wanted = requested < 0 ? DEFAULT_ALLOCATE_LIFETIME : Math.max(DEFAULT_ALLOCATE_LIFETIME, requested);
        return (int) Math.min(wanted, maxAllocateLifetime);
    }
}
