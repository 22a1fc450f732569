package org.gatehouse.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

    private static InetAddress v6(int... words) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[2 * i] = (byte) (words[i] >> 8);
            b[2 * i + 1] = (byte) words[i];
        }
        return IpAddresses.byAddress(b);
    }

    @Test
    void parsesBracketedIpv6() {
        assertEquals(IpAddresses.parse("::1"), IpAddresses.parse("[::1]"));
    }

    @Test
    void canonicalTurnsMappedIntoIpv4() {
        InetAddress mapped = v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001);
        InetAddress c = IpAddresses.canonical(mapped);
        assertTrue(c instanceof Inet4Address);
        assertEquals("10.0.0.1", c.getHostAddress());
    }

    @Test
    void embeddedIpv4FromEveryTransitionForm() {
        assertEquals("10.0.0.1", IpAddresses.embeddedIpv4(v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)).orElseThrow().getHostAddress());
        assertEquals("127.0.0.1", IpAddresses.embeddedIpv4(IpAddresses.parse("::127.0.0.1")).orElseThrow().getHostAddress());
        assertEquals("10.2.3.4", IpAddresses.embeddedIpv4(IpAddresses.parse("::ffff:0:10.2.3.4")).orElseThrow().getHostAddress());
        assertEquals("192.168.1.1", IpAddresses.embeddedIpv4(IpAddresses.parse("2002:c0a8:0101::1")).orElseThrow().getHostAddress());
        assertEquals("10.1.2.3", IpAddresses.embeddedIpv4(IpAddresses.parse("64:ff9b::10.1.2.3")).orElseThrow().getHostAddress());
        assertEquals("169.254.0.1", IpAddresses.embeddedIpv4(IpAddresses.parse("64:ff9b:1::a9fe:1")).orElseThrow().getHostAddress());
        assertTrue(IpAddresses.embeddedIpv4(IpAddresses.parse("::1")).isEmpty());
        assertTrue(IpAddresses.embeddedIpv4(IpAddresses.parse("::")).isEmpty());
        assertTrue(IpAddresses.embeddedIpv4(IpAddresses.parse("2001:db8::1")).isEmpty());
    }

    @Test
    void formatsRfc5952() {
        assertEquals("2001:db8::1", IpAddresses.format(IpAddresses.parse("2001:0db8:0000:0000:0000:0000:0000:0001")));
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddresses.format(IpAddresses.parse("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:0:0:1::1", IpAddresses.format(IpAddresses.parse("2001:0:0:1:0:0:0:1")));
        assertEquals("::", IpAddresses.format(v6(0, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals("fe80::", IpAddresses.format(v6(0xfe80, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals("192.0.2.1", IpAddresses.format(IpAddresses.parse("192.0.2.1")));
    }

    @Test
    void socketAddressesInEveryOperatorForm() {
        assertEquals("0.0.0.0:3478", IpAddresses.format(IpAddresses.parseSocketAddress("0.0.0.0:3478", 1)));
        assertEquals("[::]:3478", IpAddresses.format(IpAddresses.parseSocketAddress("[::]:3478", 1)));
        assertEquals("[::1]:19302", IpAddresses.format(IpAddresses.parseSocketAddress("::1", 19302)));
        assertEquals("[2001:db8::1]:7", IpAddresses.format(IpAddresses.parseSocketAddress("[2001:db8::1]", 7)));
        assertEquals("10.0.0.1:5349", IpAddresses.format(IpAddresses.parseSocketAddress(" 10.0.0.1 ", 5349)));
        for (String bad : new String[] {"10.0.0.1:", "10.0.0.1:70000", "[::1", "[::1]3478", "host.example:3478", "1.2.3.4:x"}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> IpAddresses.parseSocketAddress(bad, 1), bad);
        }
    }
}
