package org.gatehouse.core.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * A CIDR block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. IPv4-mapped IPv6 blocks
 * ({@code ::ffff:10.0.0.0/104}) are stored as the IPv4 block they denote, and addresses are
 * canonicalised the same way before matching, so either spelling matches both.
 */
public final class AddressRange {

    private final byte[] network;
    private final int prefixLength;

    private AddressRange(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix} or a single address (a /32 or /128 block). Host bits below the
     * prefix must be zero so that a typo such as {@code 10.1.2.3/8} is caught rather than silently widened.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static AddressRange parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = IpAddresses.parse(addressText);
        // The JDK hands back ::ffff:a.b.c.d as an IPv4 address; its prefix still counts IPv6 bits.
        boolean writtenAsIpv6 = addressText.indexOf(':') >= 0;
        int maxBits = writtenAsIpv6 ? 128 : 32;
        int prefix = maxBits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + text + "': prefix length '" + p + "' is not a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > maxBits) {
                throw new IllegalArgumentException("'" + text + "': prefix length " + prefix + " exceeds " + maxBits);
            }
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 4 && writtenAsIpv6) {
            if (prefix < 96) {
                throw new IllegalArgumentException("'" + text + "': an IPv4-mapped range needs a prefix of at least 96");
            }
            prefix -= 96;
        }
        byte[] masked = mask(bytes, prefix);
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException("'" + text + "' has host bits set; did you mean "
                    + IpAddresses.format(IpAddresses.byAddress(masked)) + "/" + prefix + "?");
        }
        return new AddressRange(masked, prefix);
    }

    /** The block holding exactly {@code address}. */
    public static AddressRange of(InetAddress address) {
        byte[] b = IpAddresses.canonical(address).getAddress();
        return new AddressRange(b, b.length * 8);
    }

    public boolean contains(InetAddress address) {
        byte[] b = IpAddresses.canonical(address).getAddress();
        if (b.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (b[full] & m) == (network[full] & m);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public InetAddress network() {
        return IpAddresses.byAddress(network.clone());
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRange && ((AddressRange) o).prefixLength == prefixLength
                && Arrays.equals(((AddressRange) o).network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        InetAddress a = IpAddresses.byAddress(network);
        return IpAddresses.format(a) + "/" + prefixLength;
    }

    static boolean sameFamily(AddressRange r, InetAddress a) {
        return (a instanceof Inet4Address) == r.isIpv4();
    }
}
