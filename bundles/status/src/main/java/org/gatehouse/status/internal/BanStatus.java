package org.gatehouse.status.internal;

import java.util.List;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The PIN brute-force ban: addresses banned and counting now, and what it did since start. */
@Component(name = "org.gatehouse.status.ban", service = {MetricsSource.class, PageSection.class})
public final class BanStatus implements MetricsSource, PageSection {

    private final BanList bans;

    @Activate
    public BanStatus(@Reference BanList bans) {
        this.bans = bans;
    }

    @Override
    public void collect(Metrics m) {
        BanStatistics s = bans.statistics();
        m.gauge("gatehouse_ban_enabled", "Whether failed PIN attempts are counted and banned (1) or not (0).", s.enabled() ? 1 : 0);
        m.gauge("gatehouse_ban_active", "Addresses (or IPv6 groups) banned now.", s.banned());
        m.gauge("gatehouse_ban_counting", "Addresses with failed PIN attempts counted within the find time, not banned.", s.counting());
        m.counter("gatehouse_ban_bans_total", "Bans imposed.", s.bansSinceStart());
        m.counter("gatehouse_ban_failures_total", "Failed PIN attempts counted towards a ban.", s.failuresSinceStart());
        m.counter("gatehouse_ban_refused_total", "Requests the ban answered 429 (banned addresses, PIN attempts beyond max-failures under way at once).", s.refusedSinceStart());
        m.counter("gatehouse_ban_forgotten_total", "Addresses whose counted failures were dropped because max-tracked were counted.",
                s.forgottenSinceStart());
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void render(Html page) {
        BanStatistics s = bans.statistics();
        page.heading("PIN ban");
        page.facts(List.of(
                List.of("Rule", s.enabled() ? s.maxFailures() + " failed PIN attempts within " + s.findTime().toSeconds() + " s ban an address for "
                        + s.banTime().toSeconds() + " s" + (s.exemptManagementNetworks() ? "; management networks exempt" : "") : "off"),
                List.of("Now", String.format("%,d banned, %,d counting", s.banned(), s.counting())),
                List.of("Since start", String.format("%,d failures counted, %,d bans, %,d requests refused (429)",
                        s.failuresSinceStart(), s.bansSinceStart(), s.refusedSinceStart()))));
    }
}
