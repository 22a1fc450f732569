package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.junit.jupiter.api.Test;

class BanCommandsTest {

    static final Instant NOW = Instant.parse("2026-11-30T09:30:00Z");

    static BanStatistics stats(boolean enabled, int ipv6Prefix) {
        return new BanStatistics(enabled, 10, Duration.ofSeconds(300), Duration.ofSeconds(300), true, ipv6Prefix, 50_000, 1, 1, 12,
                1, 4, 0);
    }

    @Test
    void listShowsTheRuleTheBansAndTheCounts() {
        String out = BanCommands.listText(
                List.of(new Ban("203.0.113.9", 10, NOW.minusSeconds(60), NOW.plusSeconds(240))),
                List.of(new FailureCount("2001:db8:1:2::/64", 3, NOW.minusSeconds(100), NOW.minusSeconds(5))),
                stats(true, 64), NOW);
        assertTrue(out.startsWith("10 failed PIN attempts within 300 s ban an address (IPv6: its /64) for 300 s; "
                + "management networks are exempt.\n"), out);
        assertTrue(out.matches("(?s).*\n203\\.0\\.113\\.9 +10  \\S+ \\S+  \\S+ \\S+  4:00\n1 address banned\n.*"), out);
        assertTrue(out.matches("(?s).*\n2001:db8:1:2::/64 +3  .*"), out);
    }

    @Test
    void nothingBannedAndOff() {
        assertEquals("Banning is off (enabled = false in etc/org.gatehouse.ban.cfg).\nNo address is banned.\n",
                BanCommands.listText(List.of(), List.of(), stats(false, 128), NOW));
    }
}
