package org.gatehouse.balancer.internal;

import io.netty.util.NetUtil;
import java.util.Locale;
import org.gatehouse.core.net.IpAddresses;

/**
 * One entry of a pool's {@code nodes} key, written as nginx writes an upstream server:
 * {@code host:port [weight=N] [backup] [drain]}; {@code [v6]:port} for IPv6 literals.
 */
record NodeSpec(String host, int port, int weight, boolean backup, boolean drain) {

    static final int MAX_WEIGHT = 1000;

    /** The node's identity in the pool, as the operator writes it: {@code host:port}. */
    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static NodeSpec parse(String text) {
        String[] words = text.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("empty node");
        }
        String[] hp = hostPort(words[0]);
        int weight = 1;
        boolean backup = false;
        boolean drain = false;
        for (int i = 1; i < words.length; i++) {
            String w = words[i].toLowerCase(Locale.ROOT);
            if (w.startsWith("weight=")) {
                try {
                    weight = Integer.parseInt(w.substring(7));
                } catch (NumberFormatException e) {
                    weight = -1;
                }
                if (weight < 1 || weight > MAX_WEIGHT) {
                    throw new IllegalArgumentException(words[i] + ": weight must be 1 to " + MAX_WEIGHT);
                }
            } else if (w.equals("backup")) {
                backup = true;
            } else if (w.equals("drain")) {
                drain = true;
            } else {
                throw new IllegalArgumentException("unknown option " + words[i] + " (weight=N, backup, drain)");
            }
        }
        return new NodeSpec(hp[0], Integer.parseInt(hp[1]), weight, backup, drain);
    }

    /** Host and port of {@code host:port} or {@code [v6]:port}, checked. */
    static String[] hostPort(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0 || end + 1 >= text.length() || text.charAt(end + 1) != ':') {
                throw new IllegalArgumentException(text + " is not [IPv6 address]:port");
            }
            host = text.substring(1, end);
            port = text.substring(end + 2);
            if (!host.matches("[0-9A-Fa-f:.]+") || !NetUtil.isValidIpV6Address(host)) {
                throw new IllegalArgumentException(text + " is not [IPv6 address]:port");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException(text + " is not host:port (the port is required, e.g. 10.40.0.10:443)");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (!IpAddresses.isHostName(host)) {
                throw new IllegalArgumentException(text + ": " + host + " is not a host name or IPv4 address");
            }
            if (host.matches("[0-9.]+") && !host.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
                throw new IllegalArgumentException(text + ": " + host + " is not an IPv4 address");
            }
            if (host.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
                for (String octet : host.split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        throw new IllegalArgumentException(text + ": " + host + " is not an IPv4 address");
                    }
                }
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(text + ": the port must be 1 to 65535");
        }
        return new String[] {host.toLowerCase(Locale.ROOT), Integer.toString(p)};
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(address());
        if (weight != 1) {
            b.append(" weight=").append(weight);
        }
        if (backup) {
            b.append(" backup");
        }
        if (drain) {
            b.append(" drain");
        }
        return b.toString();
    }
}
