package org.gatehouse.balancer.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;

/**
 * One pool's {@code etc/org.gatehouse.balancer.pool-<name>.cfg}. Times are in seconds.
 */
record PoolSettings(String name, List<NodeSpec> nodes, List<String> routes, Tls tls, boolean sticky, int maxFails,
        int failTimeout, HealthCheck healthCheck, String healthPath, int healthInterval, int healthRise, int healthFall,
        int connectTimeout, int firstByteTimeout, int readTimeout, int streamReadTimeout, int sendTimeout, String hostHeader, int keepalive, int keepaliveTimeout,
        String source) {

    static final String FACTORY_PID = "org.gatehouse.balancer.pool";
    static final String DEFAULT_POOL = "conferencing";
    /** The appliance's proxied paths: the client API, the web app and its static files, everything else. */
    static final List<String> DEFAULT_ROUTES = List.of("/api/", "/webapp/", "/static/", "/");

    enum HealthCheck {
        /** Only passive health: failures of real requests. */
        OFF,
        /** A TCP connect (and TLS handshake on TLS pools) every interval. */
        CONNECT,
        /** An HTTP GET of {@code health-path}; any answer below 500 is healthy. */
        HTTP
    }

    /**
     * TLS towards the nodes: trust the CA file, or certificates with a pinned SHA-256 fingerprint, or
     * (explicitly) anything; with none of these the system's trusted CAs. {@code name} is the SNI and
     * the name checked in the certificate (empty: the node's host when it is a name).
     */
    record Tls(boolean enabled, Path caFile, Set<String> fingerprints, boolean trustAll, String name) {
    }

    /**
     * {@code max-fails} as failures apply it: 0 (never out) for the one node that takes requests in a
     * pool without another, as nginx ignores max_fails for a group of one server: taking it out only
     * turns one failed request into {@code fail-timeout} seconds of 502 for everyone.
     */
    int passiveMaxFails() {
        int serving = 0;
        for (NodeSpec n : nodes) {
            serving += n.drain() ? 0 : 1;
        }
        return serving <= 1 ? 0 : maxFails;
    }

    boolean hostPassedThrough() {
        return hostHeader.equals("pass");
    }

    static PoolSettings read(String pid, Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(pid, properties);
        String name = name(s, pid);
        List<NodeSpec> nodes = nodes(s);
        List<String> routes = routes(s, name);
        boolean tlsOn = s.bool("tls", true);
        Path ca = null;
        if (s.has("tls-ca-file")) {
            String f = s.string("tls-ca-file", "");
            try {
                ca = InstallationPaths.resolve(f);
            } catch (RuntimeException e) {
                throw new InvalidSettingException(s.source(), "tls-ca-file", f, "is not a file path");
            }
        }
        Set<String> pins = new LinkedHashSet<>();
        for (String p : s.list("tls-fingerprints", List.of())) {
            String hex = p.replace(":", "").toLowerCase(Locale.ROOT);
            if (hex.startsWith("sha256/")) {
                hex = hex.substring(7);
            }
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new InvalidSettingException(s.source(), "tls-fingerprints", p, "is not a SHA-256 fingerprint (64 hex digits, colons allowed)");
            }
            pins.add(HexFormat.of().formatHex(HexFormat.of().parseHex(hex)));
        }
        boolean trustAll = s.bool("tls-trust-all", false);
        String tlsName = s.string("tls-name", "");
        String host = s.string("host-header", "pass");
        if (!host.equals("pass") && !host.equals("node") && !host.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
            throw new InvalidSettingException(s.source(), "host-header", host, "must be pass, node or a host name");
        }
        int connect = s.integer("connect-timeout", 5, 1, 600);
        int firstByte = s.integer("first-byte-timeout", 60, 1, 86_400);
        return new PoolSettings(name, List.copyOf(nodes), List.copyOf(routes), new Tls(tlsOn, ca, Set.copyOf(pins), trustAll, tlsName),
                s.bool("sticky", false), s.integer("max-fails", 1, 0, 1000), s.integer("fail-timeout", 10, 1, 86_400),
                s.choice("health-check", HealthCheck.OFF), healthPath(s), s.integer("health-interval", 5, 1, 3600),
                s.integer("health-rise", 2, 1, 100), s.integer("health-fall", 3, 1, 100), connect, firstByte,
                s.integer("read-timeout", 300, 0, 86_400 * 7), s.integer("stream-read-timeout", 0, 0, 86_400 * 7),
                s.integer("send-timeout", 60, 1, 86_400), host, s.integer("keepalive", 32, 0, 10_000),
                s.integer("keepalive-timeout", 60, 1, 86_400), s.source());
    }

    /** The {@code name} key, or the name in the file's name, checked. */
    static String name(Settings s, String pid) throws InvalidSettingException {
        String name = s.string("name", nameOf(s.source(), pid));
        if (name == null || name.isEmpty()) {
            throw new InvalidSettingException(s.source(), "name", "", "is missing: name the pool, or name the file org.gatehouse.balancer.pool-<name>.cfg");
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*")) {
            throw new InvalidSettingException(s.source(), "name", name, "may hold letters, digits, '.', '_' and '-'");
        }
        return name;
    }

    /** The {@code routes} key of pool {@code name}, checked. */
    static List<String> routes(Settings s, String name) throws InvalidSettingException {
        List<String> routes = s.list("routes", name.equals(DEFAULT_POOL) ? DEFAULT_ROUTES : List.of());
        for (String r : routes) {
            if (!r.startsWith("/") || r.contains("..") || r.contains("?") || r.contains("#") || r.contains(" ")) {
                throw new InvalidSettingException(s.source(), "routes", r, "must be a path prefix starting with /, such as /api/");
            }
        }
        return routes;
    }

    /** The {@code nodes} key, checked. */
    static List<NodeSpec> nodes(Settings s) throws InvalidSettingException {
        List<NodeSpec> nodes = s.list("nodes", List.of(), NodeSpec::parse);
        Set<String> seen = new LinkedHashSet<>();
        for (NodeSpec n : nodes) {
            if (!seen.add(n.address())) {
                throw new InvalidSettingException(s.source(), "nodes", n.address(), "is listed twice");
            }
        }
        return nodes;
    }

    /** The same settings with other nodes. */
    PoolSettings withNodes(List<NodeSpec> next) {
        return new PoolSettings(name, List.copyOf(next), routes, tls, sticky, maxFails, failTimeout, healthCheck, healthPath, healthInterval,
                healthRise, healthFall, connectTimeout, firstByteTimeout, readTimeout, streamReadTimeout, sendTimeout, hostHeader, keepalive,
                keepaliveTimeout, source);
    }

    private static String healthPath(Settings s) throws InvalidSettingException {
        String p = s.string("health-path", "/");
        if (!p.startsWith("/") || p.contains(" ")) {
            throw new InvalidSettingException(s.source(), "health-path", p, "must be a path starting with /");
        }
        return p;
    }

    /**
     * {@code etc/org.gatehouse.balancer.pool-conferencing.cfg} → {@code conferencing}; without a file,
     * the name part of a named factory configuration ({@code org.gatehouse.balancer.pool~conferencing}).
     */
    static String nameOf(String source, String pid) {
        if (source == null || !source.endsWith(".cfg")) {
            int tilde = pid == null ? -1 : pid.indexOf('~');
            return tilde < 0 ? null : pid.substring(tilde + 1);
        }
        String file = source.substring(source.lastIndexOf('/') + 1);
        String prefix = FACTORY_PID + "-";
        if (file.startsWith(prefix) && file.endsWith(".cfg")) {
            return file.substring(prefix.length(), file.length() - 4);
        }
        return null;
    }

    /** The {@code nodes} value that lists these nodes. */
    static String nodesValue(List<NodeSpec> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.toString()));
        return String.join(", ", out);
    }
}
