package org.gatehouse.ban.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.core.config.InvalidSettingException;
import org.junit.jupiter.api.Test;

/** Counting, banning, expiry and the memory bound of the ban table, on a clock the test moves. */
class BanTableTest {

    final ManualTicker clock = new ManualTicker();
    final BanTable table = new BanTable(clock);

    static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    void configure(Object... keysAndValues) throws InvalidSettingException {
        Map<String, Object> p = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.put((String) keysAndValues[i], String.valueOf(keysAndValues[i + 1]));
        }
        table.apply(BanSettings.read(p));
    }

    void fail(String address, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            table.failure(ip(address));
        }
    }

    @Test
    void defaultsAreTheSuccessorAppliances() throws Exception {
        BanSettings d = BanSettings.read(Map.of());
        assertEquals(10, d.maxFailures());
        assertEquals(300, d.findTime().toSeconds());
        assertEquals(300, d.banTime().toSeconds());
        assertTrue(d.enabled());
        assertTrue(d.exemptManagementNetworks());
        assertEquals(64, d.ipv6Prefix(), "one IPv6 subscriber's /64 counts as one client");
    }

    /**
     * max-failures lowered below the failures an address has counted: its next attempt bans it (one
     * log line, ban:list), instead of being refused as "too many at once" until the failures age out.
     */
    @Test
    void aLowerMaxFailuresBansAnAddressAlreadyPastIt() throws Exception {
        configure("max-failures", 10);
        fail("203.0.113.5", 5);
        assertNull(table.banned(ip("203.0.113.5")));
        configure("max-failures", 3);
        assertNull(table.attemptBegins(ip("203.0.113.5")), "not let go to a node");
        assertNotNull(table.banned(ip("203.0.113.5")), "banned");
        assertEquals(1, table.statistics(0, 0).bansSinceStart());
    }

    /**
     * The address forgotten first when max-tracked is reached is the one whose last failure is oldest:
     * a PIN attempt that was no failure (let through, answered 200) does not move it back.
     */
    @Test
    void theAddressWhoseLastFailureIsOldestIsForgottenFirst() throws Exception {
        configure("max-tracked", 100);
        fail("203.0.113.1", 1);
        for (int i = 1; i < 100; i++) {
            clock.advanceSeconds(0.01);
            fail("198.51.100." + i, 1);
        }
        table.attemptEnded(table.attemptBegins(ip("203.0.113.1")));
        fail("192.0.2.1", 1);
        List<String> counting = table.failures().stream().map(FailureCount::address).toList();
        assertEquals(100, counting.size());
        assertFalse(counting.contains("203.0.113.1"), "failed first and only looked at since: " + counting);
        assertTrue(counting.contains("198.51.100.1") && counting.contains("192.0.2.1"), counting.toString());
    }

    @Test
    void badValuesAreNamedWithTheirKey() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> BanSettings.read(Map.of("max-failures", "0", "felix.fileinstall.filename", "file:/opt/gatehouse/etc/org.gatehouse.ban.cfg")));
        assertEquals("etc/org.gatehouse.ban.cfg: max-failures = '0' is out of range (1 to 1000)", e.getMessage());
        assertThrows(InvalidSettingException.class, () -> BanSettings.read(Map.of("ban-time", "5m")));
        assertThrows(InvalidSettingException.class, () -> BanSettings.read(Map.of("ipv6-prefix", "129")));
        assertThrows(InvalidSettingException.class, () -> BanSettings.read(Map.of("enabled", "maybe")));
    }

    @Test
    void theTenthFailureWithinTheWindowBansForTheBanTime() throws Exception {
        fail("192.0.2.7", 9);
        assertNull(table.banned(ip("192.0.2.7")));
        assertEquals(List.of(new FailureCount("192.0.2.7", 9, ManualTicker.START, ManualTicker.START)), table.failures());

        clock.advanceSeconds(10);
        assertNotNull(table.failure(ip("192.0.2.7")));
        BanTable.Banned b = table.banned(ip("192.0.2.7"));
        assertNotNull(b);
        assertEquals(300, table.secondsLeft(b));
        assertEquals(List.of(new Ban("192.0.2.7", 10, ManualTicker.START.plusSeconds(10), ManualTicker.START.plusSeconds(310))),
                table.bans());
        assertTrue(table.failures().isEmpty(), "a banned address is no longer counted");
        assertNull(table.banned(ip("192.0.2.8")), "other addresses are not affected");

        clock.advanceSeconds(299.5);
        assertEquals(1, table.secondsLeft(table.banned(ip("192.0.2.7"))));
        clock.advanceSeconds(0.5);
        assertNull(table.banned(ip("192.0.2.7")), "expired at ban-time");
        assertTrue(table.bans().isEmpty());
        assertTrue(table.failures().isEmpty(), "the count starts again from nothing");
        assertNull(table.failure(ip("192.0.2.7")));
    }

    @Test
    void failuresOlderThanTheFindTimeDoNotCount() throws Exception {
        for (int i = 0; i < 30; i++) {
            table.failure(ip("198.51.100.1"));
            clock.advanceSeconds(34); // 10 failures span 306 s: never 10 within 300 s
        }
        assertNull(table.banned(ip("198.51.100.1")));
        assertEquals(8, table.failures().get(0).failures(), "the failures within the last 300 s, 34 s after the last");
        configure("find-time", 600);
        assertNotNull(table.failure(ip("198.51.100.1")), "a longer window: the 9 remembered and this one");
    }

    @Test
    void sweepExpiresBansAndForgetsQuietAddresses() throws Exception {
        configure("max-failures", 2, "ban-time", 60, "find-time", 100);
        fail("203.0.113.1", 2);
        fail("203.0.113.2", 1);
        clock.advanceSeconds(50);
        fail("203.0.113.3", 1);
        assertEquals(1, table.banCount());
        assertEquals(2, table.countingCount());

        clock.advanceSeconds(51);
        table.sweep();
        assertEquals(0, table.banCount(), "the 60 s ban ended");
        assertEquals(1, table.countingCount(), "203.0.113.2's only failure is 101 s old");
        assertEquals("203.0.113.3", table.failures().get(0).address());
    }

    @Test
    void removeLiftsTheBanAndForgetsTheFailures() throws Exception {
        configure("max-failures", 3);
        fail("192.0.2.9", 3);
        fail("192.0.2.10", 2);
        assertTrue(table.remove("192.0.2.9"));
        assertNull(table.banned(ip("192.0.2.9")));
        assertTrue(table.remove(" 192.0.2.10 "));
        assertTrue(table.failures().isEmpty());
        assertFalse(table.remove("192.0.2.11"));
        fail("192.0.2.9", 2);
        assertNull(table.banned(ip("192.0.2.9")), "counting starts again after a removal");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.remove("gatehouse.example.com"));
        assertTrue(e.getMessage().contains("gatehouse.example.com"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> table.remove("192.0.2.9/x"));
    }

    @Test
    void ipv6IsCountedPerAddressOrPerPrefix() throws Exception {
        configure("max-failures", 2, "ipv6-prefix", 128);
        fail("2001:db8:1:2::a", 1);
        fail("2001:db8:1:2::b", 1);
        assertNull(table.banned(ip("2001:db8:1:2::a")), "per address with 128");

        configure("max-failures", 2);
        assertTrue(table.failures().isEmpty(), "counts of the old grouping are dropped");
        fail("2001:db8:1:2::a", 1);
        fail("2001:db8:1:2:ffff::b", 1);
        assertNotNull(table.banned(ip("2001:db8:1:2::99")), "the whole /64");
        assertNull(table.banned(ip("2001:db8:1:3::a")));
        assertEquals("2001:db8:1:2::/64", table.bans().get(0).address(), "per /64 by default");
        assertTrue(table.remove("2001:db8:1:2::1234"), "any address of the group names it");
        assertNull(table.banned(ip("2001:db8:1:2::a")));
    }

    @Test
    void anIpv4MappedClientIsCountedAsItsIpv4Address() throws Exception {
        configure("max-failures", 2);
        fail("::ffff:192.0.2.44", 1);
        fail("192.0.2.44", 1);
        assertNotNull(table.banned(ip("192.0.2.44")));
        assertNotNull(table.banned(ip("::ffff:192.0.2.44")));
        assertEquals("192.0.2.44", table.bans().get(0).address());
    }

    @Test
    void manyAddressesCannotGrowTheTablesBeyondMaxTracked() throws Exception {
        configure("max-tracked", 100, "max-failures", 2);
        for (int i = 0; i < 5000; i++) {
            table.failure(ip("10.0." + (i / 250) + "." + (i % 250)));
            clock.advanceSeconds(0.001);
        }
        assertEquals(100, table.countingCount());
        BanStatistics s = table.statistics(table.banCount(), table.countingCount());
        assertEquals(4900, s.forgottenSinceStart());
        // The most recent ones are kept: a second failure from the last address still bans.
        assertNotNull(table.failure(ip("10.0.19.249")));

        for (int i = 0; i < 1000; i++) {
            InetAddress a = ip("172.16." + (i / 250) + "." + (i % 250));
            table.failure(a);
            table.failure(a);
            clock.advanceSeconds(0.001);
        }
        assertEquals(100, table.banCount(), "the bans ending first make room");
        assertNotNull(table.banned(ip("172.16.3.249")), "the newest ban is in force");
        assertNull(table.banned(ip("172.16.0.0")));

        configure("max-tracked", 100, "max-failures", 2, "enabled", false);
        assertEquals(0, table.banCount());
        assertEquals(0, table.countingCount());
    }

    @Test
    void turnedOffItLiftsEveryBanAndCountsNothing() throws Exception {
        configure("max-failures", 1);
        fail("192.0.2.1", 1);
        assertEquals(1, table.banCount());
        configure("enabled", false);
        assertNull(table.banned(ip("192.0.2.1")));
        fail("192.0.2.1", 5);
        assertEquals(0, table.countingCount());
        configure("enabled", true, "max-failures", 1);
        fail("192.0.2.1", 1);
        assertNotNull(table.banned(ip("192.0.2.1")));
    }

    @Test
    void concurrentFailuresBanOnceAndCountExactly() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger bansMade = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int t = 0; t < 8; t++) {
                int thread = t;
                pool.execute(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 2000; i++) {
                            // All threads hammer one address, and each its own 50 addresses.
                            if (table.failure(ip("192.0.2.200")) != null) {
                                bansMade.incrementAndGet();
                            }
                            if (table.failure(ip("10.1." + thread + "." + (i % 50))) != null) {
                                bansMade.incrementAndGet();
                            }
                            table.banned(ip("10.1." + thread + "." + (i % 50)));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            go.countDown();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(1 + 8 * 50, bansMade.get(), "one ban per address, never two");
        assertEquals(1 + 8 * 50, table.banCount());
        assertEquals(1 + 8 * 50, table.statistics(0, 0).bansSinceStart());
        assertEquals(10 * (1 + 8 * 50), table.statistics(0, 0).failuresSinceStart(), "failures while banned are not counted");
    }
}
