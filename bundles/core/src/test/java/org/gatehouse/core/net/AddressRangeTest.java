package org.gatehouse.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressRangeTest {

    private static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    @Test
    void ipv4BlockMatchesInsideAndNotOutside() {
        AddressRange r = AddressRange.parse("10.40.0.0/16");
        assertTrue(r.contains(ip("10.40.0.1")));
        assertTrue(r.contains(ip("10.40.255.255")));
        assertFalse(r.contains(ip("10.41.0.0")));
        assertFalse(r.contains(ip("2001:db8::1")));
    }

    @Test
    void prefixNotOnByteBoundary() {
        AddressRange r = AddressRange.parse("172.16.0.0/12");
        assertTrue(r.contains(ip("172.31.255.254")));
        assertFalse(r.contains(ip("172.32.0.0")));
        assertFalse(r.contains(ip("172.15.255.255")));
    }

    @Test
    void ipv6Block() {
        AddressRange r = AddressRange.parse("2001:db8::/32");
        assertTrue(r.contains(ip("2001:db8:ffff::1")));
        assertFalse(r.contains(ip("2001:db9::1")));
        assertEquals("2001:db8::/32", r.toString());
    }

    @Test
    void mappedAddressesMatchIpv4Blocks() {
        AddressRange r = AddressRange.parse("192.168.0.0/16");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[13] = (byte) 168;
        mapped[14] = 1;
        mapped[15] = 2;
        assertTrue(r.contains(IpAddresses.byAddress(mapped)));
    }

    @Test
    void mappedBlockIsStoredAsIpv4() {
        AddressRange r = AddressRange.parse("::ffff:10.0.0.0/104");
        assertEquals("10.0.0.0/8", r.toString());
        assertTrue(r.contains(ip("10.9.8.7")));
    }

    @Test
    void singleAddressIsAHostBlock() {
        assertEquals("192.0.2.7/32", AddressRange.parse("192.0.2.7").toString());
        assertEquals("::1/128", AddressRange.parse("::1").toString());
        assertTrue(AddressRange.parse("::1").contains(ip("::1")));
    }

    @Test
    void zeroPrefixMatchesWholeFamily() {
        AddressRange any4 = AddressRange.parse("0.0.0.0/0");
        assertTrue(any4.contains(ip("203.0.113.9")));
        assertFalse(any4.contains(ip("::2")));
    }

    @Test
    void rejectsHostBitsWithAHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.1.2.3/8"));
        assertTrue(e.getMessage().contains("10.0.0.0/8"), e.getMessage());
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : List.of("", "10.0.0.0/33", "10.0.0/8", "10.0.0.256", "10.0.0.0/", "10.0.0.0/x", "fe80::1%eth0",
                "example.com", "::1/129", "1.2.3.4/-1", "0x7f.0.0.1", "[::1", ".1:2")) {
            assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad), bad);
        }
    }

    @Test
    void setMatchesAnyOfItsRanges() {
        AddressSet set = AddressSet.parse(List.of("127.0.0.0/8", "::1", " ", "10.0.0.0/8"));
        assertTrue(set.contains(ip("127.0.0.1")));
        assertTrue(set.contains(ip("::1")));
        assertTrue(set.contains(ip("10.1.1.1")));
        assertFalse(set.contains(ip("192.0.2.1")));
        assertEquals("127.0.0.0/8, ::1/128, 10.0.0.0/8", set.toString());
        assertEquals(set, AddressSet.parse(List.of("127.0.0.0/8", "::1/128", "10.0.0.0/8")));
    }
}
