package org.gatehouse.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.core.RecentErrors;
import org.junit.jupiter.api.Test;

/** The ban, LDAP and log blocks: their samples follow the services, and the page shows the same. */
class FeatureMetricsTest {

    private static final class FakeBans implements BanList {
        BanStatistics statistics = stats(0, 0, 0);

        @Override
        public List<Ban> bans() {
            return List.of();
        }

        @Override
        public List<FailureCount> failures() {
            return List.of();
        }

        @Override
        public boolean remove(String address) {
            return false;
        }

        @Override
        public BanStatistics statistics() {
            return statistics;
        }
    }

    static BanStatistics stats(int banned, long failures, long bans) {
        return new BanStatistics(true, 10, Duration.ofMinutes(5), Duration.ofMinutes(5), true, 64, 10_000, banned, 3, failures, bans, 7, 0);
    }

    private static final class FakeDirectory implements DirectoryCheck {
        Statistics statistics = new Statistics(0, 0, 0, 0, 0, 0, Reachability.UNKNOWN);
        State state;

        @Override
        public State state() {
            return state != null ? state : new State(true, true, List.of("ldap://dc1.example.com"), List.of("/"), null, statistics.accepted(),
                    statistics.wrongCredentials() + statistics.malformed() + statistics.rateLimited(), statistics.unavailable(), 0);
        }

        @Override
        public Statistics statistics() {
            return statistics;
        }

        @Override
        public List<Step> test(String user, char[] password) {
            return List.of();
        }
    }

    private static final class FakeErrors implements RecentErrors {
        final List<Entry> latest = new ArrayList<>();
        long errors;
        long warnings;

        @Override
        public List<Entry> latest() {
            return latest;
        }

        @Override
        public int lastHour(Level level) {
            return (int) total(level);
        }

        @Override
        public long total(Level level) {
            return level == Level.ERROR ? errors : warnings;
        }
    }

    private static Map<String, Double> scrape(org.gatehouse.status.MetricsSource... sources) throws Exception {
        MetricFamilies m = new MetricFamilies();
        for (org.gatehouse.status.MetricsSource s : sources) {
            s.collect(m);
        }
        StatusComponentTest.Promtool.check(m.text());
        return Exposition.parse(m.text());
    }

    private static String page(PageSection s) {
        Html page = new Html("test", 0);
        s.render(page);
        return page.end();
    }

    @Test
    void banSamplesFollowTheBanList() throws Exception {
        FakeBans bans = new FakeBans();
        BanStatus status = new BanStatus(bans);
        Map<String, Double> m = scrape(status);
        assertEquals(0.0, m.get("gatehouse_ban_active"));
        assertEquals(0.0, m.get("gatehouse_ban_bans_total"));
        assertEquals(1.0, m.get("gatehouse_ban_enabled"));
        bans.statistics = stats(2, 25, 2);
        m = scrape(status);
        assertEquals(2.0, m.get("gatehouse_ban_active"));
        assertEquals(3.0, m.get("gatehouse_ban_counting"));
        assertEquals(2.0, m.get("gatehouse_ban_bans_total"));
        assertEquals(25.0, m.get("gatehouse_ban_failures_total"));
        assertEquals(7.0, m.get("gatehouse_ban_refused_total"));
        assertEquals(0.0, m.get("gatehouse_ban_forgotten_total"));
        assertTrue(page(status).contains("2 banned, 3 counting"), page(status));
    }

    @Test
    void ldapSamplesSplitTheOutcomesAndReachabilityAppearsOnceKnown() throws Exception {
        FakeDirectory directory = new FakeDirectory();
        LdapStatus status = new LdapStatus(directory);
        Map<String, Double> m = scrape(status);
        assertEquals(0.0, m.get("gatehouse_ldap_logins_accepted_total"));
        assertFalse(m.containsKey("gatehouse_ldap_directory_reachable"), "unknown before the first login");
        directory.statistics = new DirectoryCheck.Statistics(12, 9, 2, 1, 1, 0, DirectoryCheck.Reachability.REACHABLE);
        m = scrape(status);
        assertEquals(12.0, m.get("gatehouse_ldap_logins_accepted_total"));
        assertEquals(9.0, m.get("gatehouse_ldap_cache_hits_total"));
        assertEquals(2.0, m.get("gatehouse_ldap_logins_failed_total"));
        assertEquals(1.0, m.get("gatehouse_ldap_logins_malformed_total"));
        assertEquals(1.0, m.get("gatehouse_ldap_logins_rate_limited_total"));
        assertEquals(0.0, m.get("gatehouse_ldap_unavailable_total"));
        assertEquals(1.0, m.get("gatehouse_ldap_directory_reachable"));
        directory.statistics = new DirectoryCheck.Statistics(12, 9, 2, 1, 1, 4, DirectoryCheck.Reachability.UNREACHABLE);
        m = scrape(status);
        assertEquals(4.0, m.get("gatehouse_ldap_unavailable_total"));
        assertEquals(0.0, m.get("gatehouse_ldap_directory_reachable"));
        assertTrue(page(status).contains("No directory server answered the last login"), page(status));
    }

    /** The LDAP block says why nothing is guarded, and that an unusable configuration refuses every path. */
    @Test
    void ldapBlockSaysWhatIsTrue() {
        FakeDirectory directory = new FakeDirectory();
        LdapStatus status = new LdapStatus(directory);
        directory.state = new DirectoryCheck.State(false, false, List.of(), List.of("/"), null, 0, 0, 0, 0,
                "enabled = false in etc/org.gatehouse.auth.ldap.cfg", 0);
        assertTrue(page(status).contains("<td>nothing: enabled = false in etc/org.gatehouse.auth.ldap.cfg</td>"), page(status));
        directory.state = new DirectoryCheck.State(false, true, List.of(), List.of(), "etc/org.gatehouse.auth.ldap.cfg: user-filter ...",
                0, 0, 0, 0, null, 3);
        String page = page(status);
        assertTrue(page.contains("every path: every request gets 503 until the configuration is fixed"), page);
        assertFalse(page.contains("Guarding</td><td>nothing"), page);
        assertTrue(page.contains("every request on every path gets 503: etc/org.gatehouse.auth.ldap.cfg"), page);
    }

    @Test
    void logSamplesCountByLevelAndThePageListsTheLatest() throws Exception {
        FakeErrors errors = new FakeErrors();
        LogStatus status = new LogStatus(errors);
        Map<String, Double> m = scrape(status);
        assertEquals(0.0, m.get("gatehouse_log_events_total{level=\"error\"}"));
        assertEquals(0.0, m.get("gatehouse_log_events_total{level=\"warn\"}"));
        assertTrue(page(status).contains("None logged since start."), page(status));
        errors.errors = 1;
        errors.latest.add(new RecentErrors.Entry(Instant.now(), RecentErrors.Level.ERROR, "StatusComponent",
                "etc/org.gatehouse.status.cfg: listen = '<x>' is invalid"));
        m = scrape(status);
        assertEquals(1.0, m.get("gatehouse_log_events_total{level=\"error\"}"));
        String page = page(status);
        assertTrue(page.contains("<td>StatusComponent</td><td>etc/org.gatehouse.status.cfg: listen = &#39;&lt;x&gt;&#39; is invalid</td>"), page);
        assertTrue(page.contains("<p class=\"bad\">1 error, 0 warnings in the last hour"), page);
    }
}
