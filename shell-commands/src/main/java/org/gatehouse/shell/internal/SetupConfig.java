package org.gatehouse.shell.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.gatehouse.core.config.CfgFile;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Where the wizard's answers live: which {@code .cfg} key of which component each one is, its
 * current value, and the writing of changed values. A changed key is written into the component's
 * file in {@code etc/} as it is on disk now, only that key's line replaced, and the file's settings
 * are then handed to ConfigAdmin so that they apply at once. Not through ConfigAdmin alone: FileInstall
 * would write back every key as the server holds it, losing an edit of the file its poll has not read
 * yet, and a component whose file was deleted would get no file, so the answer would be gone after a
 * restart.
 */
final class SetupConfig {

    static final String CORE = "org.gatehouse.core";
    static final String TLS = "org.gatehouse.tls";
    static final String STUN = "org.gatehouse.stun";
    static final String TURN = "org.gatehouse.turn";
    static final String POOL_FACTORY = "org.gatehouse.balancer.pool";
    static final String POOL = "conferencing";
    static final List<String> PROXY_ROUTES = List.of("/api/", "/webapp/", "/static/", "/");
    private static final String FILE = Settings.FILEINSTALL_FILENAME;

    private final ConfigurationAdmin cm;
    private final Path etc;

    /** @param etc the folder of the components' {@code .cfg} files */
    SetupConfig(ConfigurationAdmin cm, Path etc) {
        this.cm = cm;
        this.etc = etc;
    }

    /** The name {@link #apply} handed to the TLS component, or null when it did not change it. */
    private String named;
    /** Whether {@link #apply} asked for a new self-signed certificate. */
    private boolean renewed;

    /** The server's name as {@link #apply} handed it to the TLS component, or null when it did not write the TLS settings. */
    String named() {
        return named;
    }

    /** Whether {@link #apply} removed the self-signed certificate for a new one to be made. */
    boolean renewed() {
        return renewed;
    }

    /** The value in force for every question (passwords and secrets are never shown). */
    Map<String, String> current(TurnAccounts users) throws IOException {
        Map<String, String> v = new LinkedHashMap<>();
        Dictionary<String, Object> tls = properties(cm.getConfiguration(TLS, "?"));
        // The name TLS serves when the file sets none (this host's), not a name of setup's own.
        String hostname = text(tls, "hostname", IpAddresses.localHostName());
        String domain = text(tls, "domain", "");
        int dot = hostname.indexOf('.');
        if (domain.isEmpty() && dot > 0 && dot < hostname.length() - 1 && !hostname.matches("[0-9.:]+")) {
            // A full name (this host's on many systems: edge.example.com) is the host name and the
            // domain setup asks for, which then serve the same name: as one answer it was refused as a
            // host name, and a domain given with it was added a second time.
            domain = hostname.substring(dot + 1);
            hostname = hostname.substring(0, dot);
        }
        v.put("hostname", hostname);
        v.put("domain", domain);
        Configuration pool = pool(false);
        Dictionary<String, Object> p = pool == null ? new Hashtable<>() : properties(pool);
        v.put("nodes", nodeAddresses(text(p, "nodes", "")));
        v.put("web-proxy", pool != null && !text(p, "routes", String.join(", ", PROXY_ROUTES)).isEmpty() ? "yes" : "no");
        Dictionary<String, Object> turn = properties(cm.getConfiguration(TURN, "?"));
        v.put("turn", users == null || "false".equalsIgnoreCase(text(turn, "enabled", "true")) ? "disable" : "enable");
        boolean secret = "true".equalsIgnoreCase(text(turn, "use-auth-secret", "false"));
        v.put("turn-credentials", secret ? "secret" : "user");
        List<String> names = users == null ? List.of() : users.names();
        v.put("turn-user", names.isEmpty() ? "" : names.get(0).replaceFirst("@[^@]*$", ""));
        v.put("restricted", "true".equalsIgnoreCase(text(turn, "restricted", "false")) ? "yes" : "no");
        Dictionary<String, Object> stun = properties(cm.getConfiguration(STUN, "?"));
        v.put("turn-on-443", listensOn443(text(stun, "listen", "0.0.0.0:3478, [::]:3478")) ? "yes" : "no");
        v.put("external-ip", text(turn, "external-ip", ""));
        v.put("relay-ip", text(turn, "relay-ip", ""));
        Dictionary<String, Object> core = properties(cm.getConfiguration(CORE, "?"));
        v.put("management-networks", text(core, "management-networks", "127.0.0.0/8, ::1"));
        v.put("new-certificate", "no");
        return v;
    }

    /** Whether the wizard asks {@code key}, given the answers so far (TURN questions only when TURN is on, and so on). */
    static boolean asked(String key, Map<String, String> answers, Map<String, String> current) {
        String turn = answers.getOrDefault("turn", current.get("turn"));
        String credentials = answers.getOrDefault("turn-credentials", current.get("turn-credentials"));
        switch (key) {
            case "turn-credentials": case "restricted": case "turn-on-443": case "external-ip": case "relay-ip":
                return turn.equals("enable");
            case "turn-user": case "turn-password":
                return turn.equals("enable") && credentials.equals("user");
            case "turn-secret":
                return turn.equals("enable") && credentials.equals("secret");
            default:
                return true;
        }
    }

    /** The answers that differ from what is in force (an empty password or secret keeps the current one). */
    static Map<String, String> changes(Map<String, String> answers, Map<String, String> current) {
        Map<String, String> out = new LinkedHashMap<>();
        answers.forEach((k, v) -> {
            boolean secret = SetupAnswers.isSecret(k);
            if (secret ? !v.isEmpty() : !v.equals(current.get(k)) || k.equals("new-certificate") && v.equals("yes")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * Checks the answers together, then writes each component's changed keys. Returns one line per
     * change made; throws IllegalArgumentException, before writing anything, when answers conflict.
     */
    List<String> apply(Map<String, String> answers, Map<String, String> current, TurnAccounts users, Path data) throws IOException {
        Map<String, String> a = new LinkedHashMap<>(current);
        a.putAll(answers);
        Map<String, String> changed = changes(answers, current);
        boolean turnOn = a.get("turn").equals("enable");
        if (turnOn && users == null) {
            throw new IllegalArgumentException("TURN cannot be enabled: the org.gatehouse.turn bundle is not installed");
        }
        if (turnOn && a.get("turn-credentials").equals("user") && changed.containsKey("turn-user") && !changed.containsKey("turn-password")) {
            throw new IllegalArgumentException("a new TURN user needs a password (turn-password)");
        }
        if (turnOn && a.get("turn-credentials").equals("secret") && changed.containsKey("turn-credentials") && !changed.containsKey("turn-secret")) {
            throw new IllegalArgumentException("REST API credentials need the shared secret (turn-secret)");
        }
        Dictionary<String, Object> tlsNow = properties(cm.getConfiguration(TLS, "?"));
        // The web proxy off empties the pool's routes, not https-listen: the front door still listens
        // there, and TURN's TCP listener on 443 would clash with it either way.
        if (turnOn && a.get("turn-on-443").equals("yes") && listensOn443(text(tlsNow, "https-listen", ""))) {
            throw new IllegalArgumentException("HTTPS listens on port 443 (https-listen in etc/org.gatehouse.tls.cfg): TURN cannot take 443 too"
                    + " unless HTTPS moves to another port");
        }
        if (a.get("restricted").equals("yes") && turnOn && peers(a.get("nodes")).isEmpty()) {
            throw new IllegalArgumentException("restricted TURN relays only to the conferencing nodes, and none is given by address");
        }
        List<String> done = new ArrayList<>();
        // The user file is written first: it is the one step that can still be refused (a bad line
        // elsewhere in it), and then nothing else has changed either.
        boolean userSet = turnOn && changed.containsKey("turn-password");
        if (userSet) {
            users.add(a.get("turn-user"), a.get("turn-password"));
        }

        if (changed.containsKey("management-networks")) {
            write(cm.getConfiguration(CORE, "?"), Map.of("management-networks", a.get("management-networks")));
            done.add("management networks: " + a.get("management-networks") + " (etc/org.gatehouse.core.cfg)");
        }
        boolean newCertificate = a.get("new-certificate").equals("yes");
        if (changed.containsKey("hostname") || changed.containsKey("domain") || newCertificate) {
            if (newCertificate) {
                Files.deleteIfExists(data.resolve("tls/self-signed.pem"));
            }
            // Written even when unchanged, so that a new self-signed certificate is made now.
            write(cm.getConfiguration(TLS, "?"), Map.of("hostname", a.get("hostname"), "domain", a.get("domain")), newCertificate);
            String fqdn = a.get("domain").isEmpty() ? a.get("hostname") : a.get("hostname") + "." + a.get("domain");
            named = fqdn;
            renewed = newCertificate;
            done.add("name " + fqdn + (newCertificate ? ", new self-signed certificate for it" : "") + " (etc/org.gatehouse.tls.cfg)");
        }
        if (changed.containsKey("nodes") || changed.containsKey("web-proxy")) {
            Configuration existing = pool(false);
            Configuration pool = existing != null ? existing : pool(true);
            Map<String, String> keys = new LinkedHashMap<>();
            // The nodes' options are read and written back under the lock proxy:node-* hold on the file.
            synchronized (CfgFile.editLock(file(pool))) {
                if (changed.containsKey("nodes")) {
                    keys.put("nodes", keepOptions(a.get("nodes"), existing == null ? "" : text(properties(existing), "nodes", "")));
                }
                // Routes only when the web-proxy answer changed: "yes" stands for any routes in force (the
                // operator's own, such as /api/, /static/), and writing the wizard's set would replace them.
                // A pool made now gets them either way, as the balancer's defaults would proxy otherwise.
                if (changed.containsKey("web-proxy") || existing == null) {
                    keys.put("routes", a.get("web-proxy").equals("yes") ? String.join(", ", PROXY_ROUTES) : "");
                }
                write(pool, keys);
            }
            String nodes = keys.getOrDefault("nodes", a.get("nodes"));
            done.add("conferencing nodes: " + (nodes.isEmpty() ? "none" : nodes) + "; web proxy "
                    + (a.get("web-proxy").equals("yes") ? "on" : "off") + " (etc/org.gatehouse.balancer.pool-conferencing.cfg)");
        }
        Map<String, String> turn = new LinkedHashMap<>();
        if (changed.containsKey("turn")) {
            turn.put("enabled", Boolean.toString(turnOn));
        }
        if (turnOn) {
            if (changed.containsKey("turn-credentials")) {
                turn.put("use-auth-secret", Boolean.toString(a.get("turn-credentials").equals("secret")));
            }
            if (changed.containsKey("turn-secret")) {
                turn.put("static-auth-secret", a.get("turn-secret"));
            }
            if (changed.containsKey("restricted") || a.get("restricted").equals("yes") && changed.containsKey("nodes")) {
                turn.put("restricted", Boolean.toString(a.get("restricted").equals("yes")));
                if (a.get("restricted").equals("yes")) {
                    turn.put("allowed-peer-ip", String.join(", ", peers(a.get("nodes"))));
                }
            }
            if (changed.containsKey("external-ip")) {
                turn.put("external-ip", a.get("external-ip"));
            }
            if (changed.containsKey("relay-ip")) {
                turn.put("relay-ip", a.get("relay-ip"));
            }
        }
        if (!turn.isEmpty()) {
            write(cm.getConfiguration(TURN, "?"), turn);
            List<String> shown = new ArrayList<>();
            turn.forEach((k, v) -> shown.add(k + " = " + (k.equals("static-auth-secret") ? "********" : v)));
            done.add("TURN: " + String.join(", ", shown) + " (etc/org.gatehouse.turn.cfg)");
        }
        if (userSet) {
            done.add("TURN user " + a.get("turn-user") + " set (" + users.file() + ")");
        }
        if (turnOn && changed.containsKey("turn-on-443")) {
            Dictionary<String, Object> stun = properties(cm.getConfiguration(STUN, "?"));
            List<String> listen = new ArrayList<>();
            for (String l : text(stun, "listen", "0.0.0.0:3478, [::]:3478").split(",")) {
                if (!l.isBlank() && !l.strip().endsWith(":443")) {
                    listen.add(l.strip());
                }
            }
            if (a.get("turn-on-443").equals("yes")) {
                listen.add("0.0.0.0:443");
                listen.add("[::]:443");
            }
            write(cm.getConfiguration(STUN, "?"), Map.of("listen", String.join(", ", listen)));
            done.add("STUN/TURN listen = " + String.join(", ", listen) + " (etc/org.gatehouse.stun.cfg)");
        }
        return done;
    }

    /** The conferencing nodes' addresses given as IP literals: the peers restricted TURN relays to. */
    static List<String> peers(String nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes.split(",")) {
            String host = n.strip();
            if (host.isEmpty()) {
                continue;
            }
            host = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.substring(0, host.lastIndexOf(':') < 0 ? host.length() : host.lastIndexOf(':'));
            if (host.matches("[0-9.]+") || host.contains(":")) {
                if (!out.contains(host)) {
                    out.add(host);
                }
            }
        }
        return out;
    }

    private static boolean listensOn443(String listen) {
        for (String l : listen.split(",")) {
            if (l.strip().endsWith(":443")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wizard's node addresses, each with the options it has in {@code inForce} ({@code weight=},
     * {@code backup}, {@code drain}): the wizard shows and asks for addresses only, and adding a node
     * must not put a drained node back into service or a backup in front.
     */
    static String keepOptions(String answer, String inForce) {
        Map<String, String> entries = new HashMap<>();
        for (String n : inForce.split(",")) {
            String entry = n.strip();
            if (!entry.isEmpty()) {
                entries.putIfAbsent(sameNode(entry.split("\\s+")[0]), entry);
            }
        }
        List<String> out = new ArrayList<>();
        for (String n : answer.split(",")) {
            String address = n.strip();
            if (!address.isEmpty()) {
                out.add(entries.getOrDefault(sameNode(address), address));
            }
        }
        return String.join(", ", out);
    }

    /** A node address as compared: as the wizard writes it (the port 443 added), host names in lower case. */
    private static String sameNode(String address) {
        String a = address.toLowerCase(java.util.Locale.ROOT);
        try {
            return SetupAnswers.node(a);
        } catch (IllegalArgumentException e) {
            return a;
        }
    }

    /** {@code 10.0.0.1:443 weight=2, ...} as the wizard shows nodes: addresses only. */
    private static String nodeAddresses(String nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes.split(",")) {
            String a = n.strip().split("\\s+")[0];
            if (!a.isEmpty()) {
                out.add(a);
            }
        }
        return String.join(", ", out);
    }

    private Configuration pool(boolean create) throws IOException {
        Configuration[] all;
        try {
            all = cm.listConfigurations("(service.factoryPid=" + POOL_FACTORY + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (all != null) {
            for (Configuration c : all) {
                Dictionary<String, Object> p = c.getProperties();
                String file = p == null ? "" : String.valueOf(p.get(FILE));
                String name = p == null ? null : (String) p.get("name");
                if (POOL.equals(name) || file.endsWith(POOL_FACTORY + "-" + POOL + ".cfg") || c.getPid().endsWith("~" + POOL)) {
                    return c;
                }
            }
        }
        return create ? cm.getFactoryConfiguration(POOL_FACTORY, POOL, "?") : null;
    }

    /** The settings of {@code c} as its file says them now, or as ConfigAdmin holds them when it has no file. */
    private Dictionary<String, Object> properties(Configuration c) throws IOException {
        String text = CfgFile.read(file(c));
        if (text == null) {
            Dictionary<String, Object> p = c.getProperties();
            return p == null ? new Hashtable<>() : p;
        }
        try {
            return settings(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file(c) + ": " + e.getMessage() + "; fix the file first (nothing was changed)");
        }
    }

    /** A file's entries as the properties ConfigAdmin holds for it. */
    private static Hashtable<String, Object> settings(String text) {
        Hashtable<String, Object> p = new Hashtable<>();
        CfgFile.entries(text).forEach((k, v) -> p.put((String) k, v));
        return p;
    }

    /** The file {@code c} was read from, or where it is written when it has none: {@code etc/PID.cfg}, a factory's {@code etc/FACTORY-NAME.cfg}. */
    private Path file(Configuration c) {
        Path f = CfgFile.of(c.getProperties());
        if (f != null) {
            return f;
        }
        String pid = c.getPid();
        int tilde = pid.indexOf('~');
        return etc.resolve((tilde < 0 ? pid : pid.substring(0, tilde) + "-" + pid.substring(tilde + 1)) + ".cfg");
    }

    private static String text(Dictionary<String, Object> p, String key, String defaultValue) {
        Object v = p.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.getClass().isArray()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < java.lang.reflect.Array.getLength(v); i++) {
                parts.add(String.valueOf(java.lang.reflect.Array.get(v, i)));
            }
            return String.join(", ", parts);
        }
        return v.toString().strip();
    }

    private void write(Configuration c, Map<String, String> keys) throws IOException {
        write(c, keys, false);
    }

    /**
     * Writes the keys that differ into {@code c}'s file (made when there is none, with what ConfigAdmin
     * holds), then hands the file's settings to ConfigAdmin; {@code always}: even when none differs,
     * so that the component takes them again.
     */
    private void write(Configuration c, Map<String, String> keys, boolean always) throws IOException {
        Path file = file(c);
        synchronized (CfgFile.editLock(file)) {
            writeLocked(c, file, keys, always);
        }
    }

    private void writeLocked(Configuration c, Path file, Map<String, String> keys, boolean always) throws IOException {
        String before = CfgFile.read(file);
        String text = before;
        Dictionary<String, Object> held = c.getProperties();
        if (text == null) {
            text = "# Written by setup, which found no file here. The keys and their defaults\n"
                    + "# are described in the operator guide (docs/).\n";
            if (held != null) {
                for (Enumeration<String> e = held.keys(); e.hasMoreElements(); ) {
                    String k = e.nextElement();
                    if (!k.startsWith("service.") && !k.startsWith("felix.fileinstall.")) {
                        text = CfgFile.with(text, k, text(held, k, ""));
                    }
                }
            }
        }
        Properties entries = CfgFile.entries(text);
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (!e.getValue().equals(entries.getProperty(e.getKey()))) {
                text = CfgFile.with(text, e.getKey(), e.getValue());
            }
        }
        if (text.equals(before) && !always) {
            return;
        }
        if (!text.equals(before)) {
            CfgFile.write(file, text);
        }
        Hashtable<String, Object> applied = settings(text);
        // As FileInstall names the file (java.io.File's URI form), so that it takes this configuration as the file's.
        Object named = held == null ? null : held.get(FILE);
        applied.put(FILE, named != null ? named : file.toAbsolutePath().toFile().toURI().toString());
        c.update(applied);
    }
}
