package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.junit.jupiter.api.Test;

/** proxy:nodes says why a node last failed: the client's 502 page says only what kind of failure it was. */
class ProxyNodesTest {

    @Test
    void aNodeThatFailedShowsItsLastFailureAndWhen() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        PoolStatus pool = new PoolStatus("conferencing", List.of("/"), true, List.of(
                new NodeStatus("10.40.0.10:443", 1, false, "up", 0, 0, 5, 0, 0, 0),
                new NodeStatus("10.40.0.11:443", 1, false, "down", 0, 0, 7, 2, 0, 0,
                        "TLS: its certificate (CN=node) matches none of tls-fingerprints", now.minusSeconds(42)),
                new NodeStatus("10.40.0.12:443", 1, false, "up", 0, 0, 9, 1, 0, 0, "did not answer within 60 s",
                        now.minusSeconds(3 * 3600))));
        assertEquals("Pool conferencing (TLS to the nodes) serves /\n"
                + "  node                         state      weight active streams   requests failures   latency  idle\n"
                + "  10.40.0.10:443               up              1      0       0          5        0         -     0\n"
                + "  10.40.0.11:443               down            1      0       0          7        2         -     0\n"
                + "    last failure 42 s ago: TLS: its certificate (CN=node) matches none of tls-fingerprints\n"
                + "  10.40.0.12:443               up              1      0       0          9        1         -     0\n"
                + "    last failure 3 h ago: did not answer within 60 s\n",
                ProxyCommands.nodesText(List.of(pool), now));
    }

    @Test
    void agesReadInTheirUnit() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        assertEquals("0 s ago", ProxyCommands.ago(now.plusSeconds(5), now), "a clock step back is no negative age");
        assertEquals("119 s ago", ProxyCommands.ago(now.minusSeconds(119), now));
        assertEquals("2 min ago", ProxyCommands.ago(now.minusSeconds(120), now));
        assertEquals("2 h ago", ProxyCommands.ago(now.minusSeconds(7200), now));
        assertEquals("3 days ago", ProxyCommands.ago(now.minusSeconds(3 * 86_400), now));
    }
}
