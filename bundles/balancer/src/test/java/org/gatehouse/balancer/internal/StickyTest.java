package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sticky pools: a client keeps its node, and a change to one node moves only that node's clients. */
class StickyTest {

    private static final int CLIENTS = 3000;

    private static PoolSettings settings(String nodes) throws Exception {
        return PoolSettings.read("org.gatehouse.balancer.pool~sticky", Map.of("nodes", nodes, "sticky", "true", "tls", "false"));
    }

    private static InetAddress client(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    }

    private static Map<Integer, String> assignment(Pool pool) throws Exception {
        Map<Integer, String> out = new HashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            out.put(i, pool.choose(client(i), Set.of()).address());
        }
        return out;
    }

    private static Map<String, Integer> counts(Map<Integer, String> assignment) {
        Map<String, Integer> out = new HashMap<>();
        assignment.values().forEach(a -> out.merge(a, 1, Integer::sum));
        return out;
    }

    @Test
    void aClientKeepsItsNodeAndOnlyTheClientsOfAChangedNodeMove() throws Exception {
        Pool pool = new Pool(settings("10.0.0.1:443, 10.0.0.2:443, 10.0.0.3:443"), null);
        Map<Integer, String> before = assignment(pool);
        assertEquals(before, assignment(pool), "the same node for the same client, every time");
        for (int n : counts(before).values()) {
            assertTrue(Math.abs(n - CLIENTS / 3) < CLIENTS / 10, "spread evenly: " + counts(before));
        }

        pool.apply(settings("10.0.0.1:443, 10.0.0.2:443 drain, 10.0.0.3:443"), null);
        Map<Integer, String> drained = assignment(pool);
        for (int i = 0; i < CLIENTS; i++) {
            if (before.get(i).equals("10.0.0.2:443")) {
                assertNotEquals("10.0.0.2:443", drained.get(i));
            } else {
                assertEquals(before.get(i), drained.get(i), "client " + i + " of another node stays where it was");
            }
        }
        Map<String, Integer> moved = new HashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            if (before.get(i).equals("10.0.0.2:443")) {
                moved.merge(drained.get(i), 1, Integer::sum);
            }
        }
        assertTrue(moved.get("10.0.0.1:443") > CLIENTS / 10 && moved.get("10.0.0.3:443") > CLIENTS / 10,
                "the drained node's clients spread over the others: " + moved);

        pool.apply(settings("10.0.0.1:443, 10.0.0.2:443, 10.0.0.3:443"), null);
        assertEquals(before, assignment(pool), "back as before when the node takes requests again");

        pool.apply(settings("10.0.0.1:443, 10.0.0.2:443, 10.0.0.3:443, 10.0.0.4:443"), null);
        Map<Integer, String> added = assignment(pool);
        int toNew = 0;
        for (int i = 0; i < CLIENTS; i++) {
            if (!added.get(i).equals(before.get(i))) {
                assertEquals("10.0.0.4:443", added.get(i), "a client moves only to the node added");
                toNew++;
            }
        }
        assertTrue(Math.abs(toNew - CLIENTS / 4) < CLIENTS / 10, "the node added takes its share: " + toNew);

        // A node the request already failed on is skipped: the client's next best, the same every time.
        InetAddress c = client(7);
        Node first = pool.choose(c, Set.of());
        Node second = pool.choose(c, Set.of(first));
        assertNotEquals(first, second);
        assertEquals(second, pool.choose(c, Set.of(first)));
    }

    @Test
    void weightsSetEachNodesShareOfClients() throws Exception {
        Pool pool = new Pool(settings("10.0.0.1:443 weight=3, 10.0.0.2:443, 10.0.0.3:443 backup"), null);
        Map<String, Integer> c = counts(assignment(pool));
        assertEquals(null, c.get("10.0.0.3:443"), "a backup node gets no client while the others are up: " + c);
        assertTrue(Math.abs(c.get("10.0.0.1:443") - CLIENTS * 3 / 4) < CLIENTS / 10, "3:1 " + c);
    }
}
