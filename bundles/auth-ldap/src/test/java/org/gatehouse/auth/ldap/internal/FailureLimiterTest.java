package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Failed logins per user name and address, and per address: the limits, IPv6 counted by /64, and a table that cannot grow without bound. */
class FailureLimiterTest {

    @Test
    void anAddressIsBlockedAtTheLimitAndOthersAreNot() throws Exception {
        FailureLimiter l = new FailureLimiter(100, 3, 300);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 2; i++) {
            l.failed(a, null);
        }
        assertEquals(0, l.blockedSeconds(a), "below the limit");
        l.failed(a, null);
        assertTrue(l.blockedSeconds(a) > 0, "at the limit");
        assertTrue(l.blockedSeconds(a, "anyone") > 0, "every name from it");
        assertEquals(0, l.blockedSeconds(InetAddress.getByName("192.0.2.2")));
    }

    /** One name failing from an address blocks that name there, not the others behind the address, until the address limit. */
    @Test
    void aUserNameIsBlockedFromAnAddressAndTheOthersThereAreNot() throws Exception {
        FailureLimiter l = new FailureLimiter(3, 5, 300);
        InetAddress office = InetAddress.getByName("192.0.2.1");
        // One name in three spellings a directory matches alike: full-width letters, a zero-width
        // space, case and surrounding spaces.
        String[] spellings = {"\uFF41\uFF4C\uFF49\uFF43\uFF45", " Ali\u200Bce ", "ALICE"};
        for (String spelling : spellings) {
            l.failed(office, spelling);
        }
        assertTrue(l.blockedSeconds(office, "alice") > 0, "alice, however written");
        assertEquals("al ice", FailureLimiter.name("  Al \t ice "), "inner spaces count, as one");
        assertEquals(0, l.blockedSeconds(office, "bob"), "bob behind the same address");
        assertEquals(0, l.blockedSeconds(office));
        assertEquals(0, l.blockedSeconds(InetAddress.getByName("192.0.2.2"), "alice"), "alice elsewhere");
        l.failed(office, "bob");
        l.failed(office, "carol");
        assertTrue(l.blockedSeconds(office, "dave") > 0, "five failures of any names block the address");
    }

    /**
     * Logins under way count as failures until answered, each password once: a browser's parallel
     * requests with one password all go, a second password beyond the limit does not.
     */
    @Test
    void loginsUnderWayCountOncePerPassword() throws Exception {
        FailureLimiter l = new FailureLimiter(3, 50, 300);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        l.failed(a, "alice");
        l.failed(a, "alice");
        java.util.List<FailureLimiter.Attempt> parallel = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            FailureLimiter.Attempt attempt = l.begins(a, "alice", "right");
            assertNotNull(attempt, "request " + i + " with the same password");
            parallel.add(attempt);
        }
        assertNull(l.begins(a, "alice", "guess"), "two failures and one password under way: another would pass the limit");
        assertNotNull(l.begins(a, "bob", "guess"), "another name from the address");
        assertEquals(5, l.underWay());
        parallel.forEach(attempt -> l.ended(attempt, null));
        assertEquals(1, l.underWay());
        assertNotNull(l.begins(a, "alice", "guess"), "once the others are answered (right)");
    }

    @Test
    void ipv6AddressesOfOne64CountTogether() throws Exception {
        FailureLimiter l = new FailureLimiter(100, 3, 300);
        // One host taking a fresh address for every guess, as any IPv6 host can.
        l.failed(InetAddress.getByName("2001:db8:1:2::1"), null);
        l.failed(InetAddress.getByName("2001:db8:1:2:aaaa::7"), null);
        l.failed(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"), null);
        assertTrue(l.blockedSeconds(InetAddress.getByName("2001:db8:1:2::99")) > 0, "the /64 is blocked");
        assertEquals(0, l.blockedSeconds(InetAddress.getByName("2001:db8:1:3::1")), "the next /64 is not");
        assertEquals(1, l.tracked());
    }

    @Test
    void aFullTableStaysCappedAndKeepsTheAddressesThatKeepFailing() throws Exception {
        FailureLimiter l = new FailureLimiter(100, 3, 300, 100);
        InetAddress guesser = InetAddress.getByName("192.0.2.7");
        l.failed(guesser, null);
        l.failed(guesser, null);
        // One failure each from 1,000 addresses: the table fills, is swept of single failures, and
        // refuses the rest until the next sweep, a second later.
        for (int i = 0; i < 1000; i++) {
            l.failed(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), null);
            assertTrue(l.tracked() <= 100, "never more than the cap: " + l.tracked());
        }
        l.failed(guesser, null);
        assertTrue(l.blockedSeconds(guesser) > 0, "the address that kept failing kept its count and reached the limit");
        Thread.sleep(1100);
        InetAddress fresh = InetAddress.getByName("192.0.2.8");
        l.failed(fresh, null);
        l.failed(fresh, null);
        l.failed(fresh, null);
        assertTrue(l.blockedSeconds(fresh) > 0, "after the next sweep a new address is tracked again");
    }

    @Test
    void expiredWindowsMakeRoomForNewAddresses() throws Exception {
        FailureLimiter l = new FailureLimiter(100, 2, 0, 10);
        for (int i = 0; i < 10; i++) {
            l.failed(InetAddress.getByAddress(new byte[] {10, 1, 0, (byte) i}), null);
        }
        InetAddress fresh = InetAddress.getByName("10.2.0.1");
        l.failed(fresh, null);
        assertEquals(1, l.tracked(), "the expired windows were swept for the new address");
    }
}
