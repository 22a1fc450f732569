package org.gatehouse.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Parsing and canonical forms of IP address literals, and this host's addresses. Never consults DNS. */
public final class IpAddresses {

    private IpAddresses() {
    }

    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?)*");

    /**
     * Whether {@code name} is a host name as RFC 1123 writes one: dot-separated labels of letters,
     * digits and inner hyphens, none empty, each at most 63 characters, 253 in all (digits and dots
     * alone pass too: whether they are an IPv4 address is the caller's question).
     *
     * @since 1.6
     */
    public static boolean isHostName(String name) {
        return name.length() <= 253 && HOST_NAME.matcher(name).matches();
    }

    /**
     * This host's name as the resolver gives it, or {@code gatehouse} when it has none: the TLS
     * {@code hostname} when the file sets none, and what {@code setup} offers in its place.
     */
    public static String localHostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "gatehouse" : h;
        } catch (UnknownHostException e) {
            return "gatehouse";
        }
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets). Host names, the legacy
     * short IPv4 forms ({@code 10.1}, {@code 0x7f.1}) and IPv6 zone identifiers are refused.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static InetAddress parse(String text) {
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (s.indexOf(':') >= 0) {
            return parseIpv6(s, text);
        }
        return parseIpv4(s, text);
    }

    private static InetAddress parseIpv4(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + original + "' is not an IP address (expected a.b.c.d or an IPv6 literal)");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv4 address");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv4 address (octet " + v + " > 255)");
            }
            bytes[i] = (byte) v;
        }
        return byAddress(bytes);
    }

    private static InetAddress parseIpv6(String s, String original) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("'" + original + "' is not an IPv6 address (unexpected '" + c + "')");
            }
        }
        char first = s.charAt(0);
        if (first == '.') {
            // The JDK takes text as a literal only when it starts with a hex digit or ':'.
            throw new IllegalArgumentException("'" + original + "' is not an IPv6 address");
        }
        try {
            // Only hex digits, ':' and '.', starting with one of the first two: the JDK parses this
            // as a literal and never resolves it.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + original + "' is not an IPv6 address", e);
        }
    }

    /**
     * Parses a socket address written as {@code a.b.c.d:port}, {@code [v6]:port}, or an address alone
     * ({@code a.b.c.d}, {@code [v6]} or a bare IPv6 literal) which takes {@code defaultPort}.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static InetSocketAddress parseSocketAddress(String text, int defaultPort) {
        String s = text.strip();
        String host = s;
        int port = defaultPort;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' has no closing ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + text + "': expected ':port' after ']'");
                }
                port = parsePort(rest.substring(1), text);
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = parsePort(s.substring(s.indexOf(':') + 1), text);
        }
        return new InetSocketAddress(parse(host), port);
    }

    private static int parsePort(String p, String text) {
        if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + text + "': port '" + p + "' is not a number");
        }
        int port = Integer.parseInt(p);
        if (port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + port + " is above 65535");
        }
        return port;
    }

    /** {@code a.b.c.d:port} or {@code [v6]:port}, as an operator writes it in a .cfg file. */
    public static String format(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (a == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        return a instanceof Inet6Address ? "[" + format(a) + "]:" + address.getPort() : format(a) + ":" + address.getPort();
    }

    /**
     * The address in the form policy decisions use: an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d})
     * becomes the IPv4 address; anything else is returned unchanged, without its scope.
     */
    public static InetAddress canonical(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            if (isMapped(b)) {
                return byAddress(slice(b, 12));
            }
            if (((Inet6Address) address).getScopeId() != 0 || ((Inet6Address) address).getScopedInterface() != null) {
                return byAddress(b);
            }
        }
        return address;
    }

    /**
     * Every address this host's network interfaces have now, {@link #canonical}, in their order, each once
     * (link-local and loopback included: callers leave out what they do not want); empty when the
     * interfaces cannot be listed.
     */
    public static List<InetAddress> hostAddresses() {
        Set<InetAddress> out = new LinkedHashSet<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    out.add(canonical(a));
                }
            }
        } catch (SocketException e) {
            // No interface list: none known.
        }
        return List.copyOf(out);
    }

    /**
     * The key a client is counted under (failed logins, bans): its {@link #canonical} address, or for
     * IPv6 with {@code ipv6Prefix} below 128 that prefix with the rest zeroed, since one host or site
     * holds a whole /64 and could take a fresh address in it for every try.
     */
    public static InetAddress clientKey(InetAddress client, int ipv6Prefix) {
        InetAddress a = canonical(client);
        if (ipv6Prefix >= 128 || !(a instanceof Inet6Address)) {
            return a;
        }
        byte[] b = a.getAddress();
        for (int bit = ipv6Prefix; bit < 128; bit++) {
            b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return byAddress(b);
    }

    /**
     * The IPv4 address an IPv6 address carries in one of the transition forms a peer could use to
     * reach an IPv4 host: IPv4-mapped ({@code ::ffff:0:0/96}), IPv4-translated ({@code ::ffff:0:0:0/96},
     * SIIT, RFC 2765), IPv4-compatible ({@code ::/96}, except {@code ::} and {@code ::1}), 6to4 ({@code 2002::/16}) and the NAT64 well-known prefix
     * ({@code 64:ff9b::/96}) and local-use prefix ({@code 64:ff9b:1::/48}, RFC 8215, address in the last
     * 32 bits). An IPv4 address is returned as itself.
     */
    public static Optional<Inet4Address> embeddedIpv4(InetAddress address) {
        if (address instanceof Inet4Address) {
            return Optional.of((Inet4Address) address);
        }
        byte[] b = address.getAddress();
        if (isMapped(b)) {
            return Optional.of(v4(slice(b, 12)));
        }
        if (allZero(b, 0, 8) && b[8] == (byte) 0xff && b[9] == (byte) 0xff && allZero(b, 10, 12)) {
            return Optional.of(v4(slice(b, 12)));
        }
        if (allZero(b, 0, 12) && !(allZero(b, 12, 15) && (b[15] == 0 || b[15] == 1))) {
            return Optional.of(v4(slice(b, 12)));
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return Optional.of(v4(new byte[] {b[2], b[3], b[4], b[5]}));
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
            boolean wellKnown = allZero(b, 4, 12);
            boolean localUse = b[4] == 0x00 && b[5] == 0x01;
            if (wellKnown || localUse) {
                return Optional.of(v4(slice(b, 12)));
            }
        }
        return Optional.empty();
    }

    /** Text for logs and configuration: dotted quad, or RFC 5952 compressed IPv6. */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    static boolean isMapped(byte[] b) {
        return b.length == 16 && allZero(b, 0, 10) && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int from) {
        byte[] out = new byte[b.length - from];
        System.arraycopy(b, from, out, 0, out.length);
        return out;
    }

    private static Inet4Address v4(byte[] four) {
        return (Inet4Address) byAddress(four);
    }

    static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address of " + bytes.length + " bytes", e);
        }
    }
}
