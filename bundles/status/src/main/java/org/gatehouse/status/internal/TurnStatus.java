package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.List;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.gatehouse.turn.Draining;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The TURN relay: allocations, permissions, channels, what it relayed and what it refused. */
@Component(name = "org.gatehouse.status.turn", service = {MetricsSource.class, PageSection.class})
public final class TurnStatus implements MetricsSource, PageSection {

    private final TurnAdmin admin;

    @Activate
    public TurnStatus(@Reference TurnAdmin admin) {
        this.admin = admin;
    }

    @Override
    public void collect(Metrics m) {
        TurnStatistics s = admin.statistics();
        m.gauge("gatehouse_turn_enabled", "1 while TURN relays, 0 while it is off (enabled = false): STUN is answered alone.",
                admin.enabled() ? 1 : 0);
        m.gauge("gatehouse_turn_draining", "1 while the relay is drained (turn:drain): new allocations are sent to alternate-server.",
                admin.draining() != null ? 1 : 0);
        m.gauge("gatehouse_turn_allocations", "TURN allocations open now.", s.allocations());
        m.gauge("gatehouse_turn_permissions", "Permissions installed now, over all allocations.", s.permissions());
        m.gauge("gatehouse_turn_channels", "Channels bound now, over all allocations.", s.channels());
        m.counter("gatehouse_turn_allocations_created_total", "Allocations created.", s.allocationsCreated());
        m.counter("gatehouse_turn_allocations_ended_total", "Allocations ended (expired, refreshed to 0 or killed).", s.allocationsEnded());
        String packets = "gatehouse_turn_relayed_packets_total";
        String bytes = "gatehouse_turn_relayed_bytes_total";
        m.counter(packets, "Application data packets relayed, by direction.", s.packetsToPeers(), "direction", "to_peers");
        m.counter(packets, "Application data packets relayed, by direction.", s.packetsToClients(), "direction", "to_clients");
        m.counter(bytes, "Application data bytes relayed (no STUN or ChannelData framing), by direction.", s.bytesToPeers(),
                "direction", "to_peers");
        m.counter(bytes, "Application data bytes relayed (no STUN or ChannelData framing), by direction.", s.bytesToClients(),
                "direction", "to_clients");
        m.counter("gatehouse_turn_dropped_total", "Data not forwarded: no permission or channel, over bandwidth, or a full socket.",
                s.dropped());
        m.counter("gatehouse_turn_dropped_over_bandwidth_total", "Data not forwarded because the allocation was over its bandwidth cap.",
                s.droppedOverBandwidth());
        m.counter("gatehouse_turn_auth_failures_total", "Requests refused for wrong or missing credentials.", s.authFailures());
        m.counter("gatehouse_turn_unauthenticated_answers_limited_total", "401 answers not sent because of the rate limit.",
                s.unauthenticatedAnswersLimited());
        m.counter("gatehouse_turn_denied_peers_total", "Permissions or channels refused because the peer address is denied.",
                s.deniedPeers());
        m.counter("gatehouse_turn_quota_rejections_total", "Allocations refused over a user or total quota.", s.quotaRejections());
        m.counter("gatehouse_turn_error_answers_total", "Error responses sent.", s.errorAnswers());
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public void render(Html page) {
        TurnStatistics s = admin.statistics();
        page.heading("TURN");
        Draining d = admin.draining();
        List<List<String>> facts = new ArrayList<>();
        if (d != null) {
            facts.add(List.of("Draining", String.format("since %s: %,d Allocate request(s) turned away, %,d allocation(s) still relaying here",
                    d.since(), d.redirected(), s.allocations())));
        }
        facts.addAll(List.of(
                List.of("Realm", admin.realm()),
                List.of("Allocations", Integer.toString(s.allocations())),
                List.of("Permissions", Integer.toString(s.permissions())),
                List.of("Channels", Integer.toString(s.channels())),
                List.of("Relayed to peers", String.format("%,d packets, %,d bytes", s.packetsToPeers(), s.bytesToPeers())),
                List.of("Relayed to clients", String.format("%,d packets, %,d bytes", s.packetsToClients(), s.bytesToClients())),
                List.of("Refused since start", String.format("%,d wrong credentials, %,d denied peers, %,d over quota",
                        s.authFailures(), s.deniedPeers(), s.quotaRejections()))));
        page.facts(facts);
    }
}
