package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.turn.TurnStatistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relayed counters only grow while allocations end: a scrape taken as an allocation ends counts
 * its traffic once, among the live allocations or among the ended ones, never in neither (Prometheus
 * reads a counter going down as a restart of the server).
 */
class StatisticsAtAllocationEndTest {

    private static final int ALLOCATIONS = 60;

    private TestTurn turn;

    @BeforeEach
    void start() throws Exception {
        turn = new TestTurn();
    }

    @AfterEach
    void stop() throws Exception {
        turn.close();
    }

    @Test
    void relayedCountersNeverGoDownWhileAllocationsEnd() throws Exception {
        List<TurnClient> clients = new ArrayList<>();
        try (TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            for (int i = 0; i < ALLOCATIONS; i++) {
                TurnClient c = turn.client();
                clients.add(c);
                TurnClient.relayed(c.allocate());
                assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
                c.sendIndication(peer.address(), "hello peer".getBytes(StandardCharsets.UTF_8));
                assertNotNull(peer.receive(2000), "relayed");
            }
            TestTurn.waitFor(() -> turn.turn.statistics().packetsToPeers() == ALLOCATIONS, "one packet relayed by each allocation");
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> wentDown = new AtomicReference<>();
            Thread scraper = new Thread(() -> {
                long before = 0;
                while (!done.get() && wentDown.get() == null) {
                    TurnStatistics s = turn.turn.statistics();
                    if (s.packetsToPeers() < before) {
                        wentDown.set(s.packetsToPeers() + " after " + before + " (" + s.allocations() + " allocations left)");
                    }
                    before = s.packetsToPeers();
                }
            });
            scraper.start();
            for (TurnClient c : clients) {
                assertEquals(0, TurnClient.code(c.refresh(0)));
            }
            TestTurn.waitFor(() -> turn.turn.statistics().allocations() == 0, "every allocation ended");
            done.set(true);
            scraper.join(5000);
            assertEquals(null, wentDown.get(), "packets relayed to peers went down");
            TurnStatistics s = turn.turn.statistics();
            assertEquals(ALLOCATIONS, s.packetsToPeers());
            assertTrue(s.allocationsEnded() >= ALLOCATIONS);
        } finally {
            for (TurnClient c : clients) {
                c.close();
            }
        }
    }
}
