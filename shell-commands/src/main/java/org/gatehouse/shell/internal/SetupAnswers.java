package org.gatehouse.shell.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;

/**
 * What the setup wizard asks, in the order it asks, with the check each answer must pass. The same
 * keys make the answers file of an unattended run ({@code key = value}, lists comma-separated).
 */
final class SetupAnswers {

    /** One question: its key in an answers file, how it is asked, and its check (null: any text). */
    record Question(String key, String prompt, Check check) {

        /**
         * This question as asked on a running server: its check, and for management-networks the
         * refusal of a change that leaves out this host. An answer equal to the value in force is let
         * through: it changes nothing, and a list edited by hand in the .cfg file may be meant.
         */
        Question against(Map<String, String> current) {
            if (!key.equals("management-networks")) {
                return this;
            }
            return new Question(key, prompt, answer -> {
                String networks = check.apply(answer);
                return networks.equals(current.get(key)) ? networks : keepsThisHost(networks);
            });
        }
    }

    @FunctionalInterface
    interface Check {
        /** The answer as it is kept (normalised), or IllegalArgumentException saying what is wrong. */
        String apply(String answer);
    }

    static final List<Question> QUESTIONS = List.of(
            new Question("hostname", "Host name of this server (the certificate is made for hostname.domain)", SetupAnswers::hostLabel),
            new Question("domain", "Domain (empty: none)", SetupAnswers::domain),
            new Question("nodes", "Conferencing nodes, host:port", SetupAnswers::nodes),
            new Question("web-proxy", "Proxy the web app and client API to the nodes (yes/no)", SetupAnswers::yesNo),
            new Question("turn", "TURN relay: enable or disable", SetupAnswers::turn),
            new Question("turn-credentials", "TURN credentials: user (a username and password) or secret (a REST API shared secret)",
                    SetupAnswers::credentials),
            new Question("turn-user", "TURN username", SetupAnswers::user),
            new Question("turn-password", "TURN password", SetupAnswers::secretText),
            new Question("turn-secret", "TURN REST API shared secret", SetupAnswers::restSecret),
            new Question("restricted", "Restricted TURN: relay only to the conferencing nodes (yes/no)", SetupAnswers::yesNo),
            new Question("turn-on-443", "TURN also on port 443, for clients behind strict firewalls (yes/no)", SetupAnswers::yesNo),
            new Question("external-ip", "External (NAT) address of the relay, or public/private pair (empty: none)", SetupAnswers::externalIp),
            new Question("relay-ip", "Relay address(es) on this server (empty: any)", SetupAnswers::relayAddresses),
            new Question("management-networks", "Management networks allowed to administer this server", SetupAnswers::networks),
            new Question("new-certificate", "Make a new self-signed certificate now (yes/no)", SetupAnswers::yesNo));

    private SetupAnswers() {
    }

    static Question question(String key) {
        for (Question q : QUESTIONS) {
            if (q.key().equals(key)) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown key " + key);
    }

    /**
     * Reads an answers file's lines: known keys checked against the values in force, unknown ones
     * refused (a typo must not be silently ignored), and so is a key given twice (which of the two
     * was meant cannot be told). Keys left out keep the current value.
     */
    static Map<String, String> parse(List<String> lines, String source, Map<String, String> current) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(source + " line " + n + ": not key = value");
            }
            String key = l.substring(0, eq).strip();
            String value = l.substring(eq + 1).strip();
            Question q;
            try {
                q = question(key).against(current);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + n + ": unknown key " + key);
            }
            Integer first = lineOf.putIfAbsent(key, n);
            if (first != null) {
                throw new IllegalArgumentException(source + " line " + n + ": " + key + " is given twice (line " + first + ": "
                        + shown(key, lines.get(first - 1).strip()) + ", line " + n + ": " + shown(key, l) + "); keep one");
            }
            try {
                out.put(key, q.check().apply(value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + n + ": " + shown(key, key + " = " + value) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** An answers-file line as it may be shown: a password or secret is never echoed. */
    private static String shown(String key, String line) {
        return isSecret(key) ? key + " = ********" : line;
    }

    // ---- checks

    static String hostLabel(String s) {
        if (!s.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("a host name is letters, digits and hyphens, e.g. gatehouse");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    static String domain(String s) {
        if (!s.isEmpty() && !IpAddresses.isHostName(s)) {
            throw new IllegalArgumentException("a domain is dot-separated names, e.g. example.com");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** Nodes as the pool reads them: each {@link #node}, none twice (the pool refuses its whole file for that). */
    static String nodes(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            if (!p.isEmpty()) {
                String node = node(p);
                if (out.contains(node)) {
                    throw new IllegalArgumentException(node + " is listed twice");
                }
                out.add(node);
            }
        }
        return String.join(", ", out);
    }

    /** {@code host:port} or {@code [v6]:port}; the port defaults to 443 when left out. */
    static String node(String s) {
        String host;
        String port = "443";
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException(s + " is not [IPv6 address]:port");
            }
            host = s.substring(1, end);
            if (end + 1 < s.length()) {
                if (s.charAt(end + 1) != ':') {
                    throw new IllegalArgumentException(s + " is not [IPv6 address]:port");
                }
                port = s.substring(end + 2);
            }
            if (!host.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException(s + " is not [IPv6 address]:port");
            }
            IpAddresses.parse(host);
            host = "[" + host.toLowerCase(Locale.ROOT) + "]";
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw new IllegalArgumentException(s + ": write IPv6 addresses as [address]:port");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            if (colon >= 0) {
                port = s.substring(colon + 1);
            }
            // As the pool reads a node: a host name (RFC 1123), in lower case; digits and dots alone an
            // IPv4 address.
            if (!IpAddresses.isHostName(host)) {
                throw new IllegalArgumentException(s + ": " + host + " is not a host name or address");
            }
            if (host.matches("[0-9.]+") && !host.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
                throw new IllegalArgumentException(s + ": " + host + " is not an IPv4 address");
            }
            if (host.matches("[0-9.]+")) {
                IpAddresses.parse(host);
            }
            host = host.toLowerCase(Locale.ROOT);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(s + ": the port must be 1 to 65535");
        }
        return host + ":" + p;
    }

    static String yesNo(String s) {
        switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "y": case "yes": case "true": case "on":
                return "yes";
            case "n": case "no": case "false": case "off":
                return "no";
            default:
                throw new IllegalArgumentException("answer yes or no");
        }
    }

    static String turn(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        if (t.equals("enable") || t.equals("enabled") || t.equals("yes")) {
            return "enable";
        }
        if (t.equals("disable") || t.equals("disabled") || t.equals("no")) {
            return "disable";
        }
        throw new IllegalArgumentException("answer enable or disable");
    }

    static String credentials(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        if (t.equals("user") || t.equals("secret")) {
            return t;
        }
        throw new IllegalArgumentException("answer user or secret");
    }

    static String user(String s) {
        if (s.isEmpty() || s.length() > 128 || s.contains(":") || !s.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("a username is 1 to 128 printable characters without ':' or spaces");
        }
        return s;
    }

    static String secretText(String s) {
        if (s.length() < 8) {
            throw new IllegalArgumentException("use at least 8 characters");
        }
        if (!s.chars().allMatch(c -> c >= 32 && c != 127)) {
            throw new IllegalArgumentException("control characters are not allowed");
        }
        return s;
    }

    /**
     * The REST API secret, as static-auth-secret reads it: a comma would split it into two secrets (and
     * credentials made with the whole one would fail), {@code ${} is read by FileInstall as a variable.
     */
    static String restSecret(String s) {
        secretText(s);
        if (s.contains(",")) {
            throw new IllegalArgumentException("a comma is not allowed (static-auth-secret lists secrets separated by commas)");
        }
        if (s.contains("${")) {
            throw new IllegalArgumentException("'${' is not allowed (the configuration reader takes it for a variable)");
        }
        return s;
    }

    /** Relay addresses: addresses of this host, as TURN takes them (no wildcard, no multicast). */
    static String relayAddresses(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            if (!p.isEmpty()) {
                InetAddress a = IpAddresses.canonical(IpAddresses.parse(p));
                if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                    throw new IllegalArgumentException("'" + p + "' is not an address of this host (a wildcard or multicast"
                            + " address); leave relay-ip empty to relay on any");
                }
                out.add(p);
            }
        }
        return String.join(", ", out);
    }

    static String externalIp(String s) {
        if (s.isEmpty()) {
            return s;
        }
        List<String> out = new ArrayList<>();
        // What TURN refuses (etc/org.gatehouse.turn.cfg): a pair of two families, two public addresses
        // for every relay address of a family, or two for one private address.
        Map<String, String> publicFor = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            String[] ips = p.split("/", -1);
            InetAddress external = IpAddresses.parse(ips[0].strip());
            InetAddress relay = ips.length > 1 ? IpAddresses.parse(ips[1].strip()) : null;
            if (ips.length > 2) {
                throw new IllegalArgumentException("'" + p + "' is not an address or a public/private pair");
            }
            if (relay != null && (external instanceof Inet6Address) != (relay instanceof Inet6Address)) {
                throw new IllegalArgumentException("'" + p + "': public and private address must be of the same family");
            }
            String forWhat = relay == null ? (external instanceof Inet6Address ? "every IPv6 relay address" : "every IPv4 relay address")
                    : "the relay address " + IpAddresses.format(IpAddresses.canonical(relay));
            String before = publicFor.putIfAbsent(forWhat, p);
            if (before != null) {
                throw new IllegalArgumentException("'" + before + "' and '" + p + "' give two public addresses for " + forWhat
                        + "; give one (one per family, or public/private pairs)");
            }
            out.add(p);
        }
        return String.join(", ", out);
    }

    static String networks(String s) {
        List<String> entries = new ArrayList<>();
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                entries.add(part.strip());
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("at least one network, e.g. 127.0.0.0/8, ::1, 10.0.0.0/24");
        }
        AddressSet.parse(entries);
        return String.join(", ", entries);
    }

    /** The addresses bin/client and a browser or scraper on this host connect from. */
    private static final List<String> THIS_HOST = List.of("127.0.0.1", "::1");

    /**
     * Refuses management networks that leave out this host: bin/client and the status page on
     * loopback would be refused from then on, and no shell would be left to put it back.
     */
    static String keepsThisHost(String networks) {
        List<String> entries = new ArrayList<>();
        for (String part : networks.split(",")) {
            if (!part.isBlank()) {
                entries.add(part.strip());
            }
        }
        AddressSet set = AddressSet.parse(entries);
        List<String> missing = new ArrayList<>();
        List<String> add = new ArrayList<>();
        for (String address : THIS_HOST) {
            if (!set.contains(IpAddresses.parse(address))) {
                missing.add(address);
                add.add(address.equals("127.0.0.1") ? "127.0.0.0/8" : address);
            }
        }
        if (missing.isEmpty()) {
            return networks;
        }
        List<String> kept = new ArrayList<>(add);
        kept.addAll(entries);
        throw new IllegalArgumentException("leaves out this host (" + String.join(", ", missing) + "): bin/client and the status page"
                + " and metrics on this host would be refused, and no shell would be left to undo it; add " + String.join(" and ", add)
                + ", e.g. " + String.join(", ", kept));
    }

    /**
     * Whether {@code address} is one of this host's now, as the TURN bundle checks {@code relay-ip}: a
     * network interface has it, or it is a loopback address (any of 127.0.0.0/8, ::1).
     */
    static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** The addresses of a checked {@code relay-ip} answer that are not {@code local}, as written. */
    static List<String> notOnThisHost(String relayIps, Predicate<InetAddress> local) {
        List<String> out = new ArrayList<>();
        for (String part : relayIps.split(",")) {
            String p = part.strip();
            if (!p.isEmpty() && !local.test(IpAddresses.parse(p))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Whether the answer to {@code key} is a secret, never shown (and kept in force when left empty). */
    static boolean isSecret(String key) {
        return key.equals("turn-password") || key.equals("turn-secret");
    }
}
