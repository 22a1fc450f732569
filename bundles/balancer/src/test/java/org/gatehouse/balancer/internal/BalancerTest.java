package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.balancer.NodeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round robin, weights, failover, recovery and the retry rules, against real HTTP nodes on loopback. */
class BalancerTest {

    @TempDir
    Path home;

    private static Map<String, Integer> spread(TestProxy p, int n) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = p.get("/id");
            assertEquals(200, r.statusCode(), r.body());
            seen.merge(r.body(), 1, Integer::sum);
        }
        return seen;
    }

    @Test
    void exactRoundRobinAndWeights() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false); TestNode c = new TestNode("c", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address() + ", " + c.address()))) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                order.add(p.get("/id").body());
            }
            assertEquals(List.of("a", "b", "c", "a", "b", "c"), order);
            assertEquals(Map.of("a", 30, "b", 30, "c", 30), spread(p, 90));

            p.set("nodes", a.address() + " weight=5, " + b.address() + ", " + c.address() + " weight=2");
            assertEquals(Map.of("a", 50, "b", 10, "c", 20), spread(p, 80));
            // Smooth (nginx's sequence for 5:1:2): the heavy node's requests are interleaved, never 5 in a row.
            order.clear();
            for (int i = 0; i < 8; i++) {
                order.add(p.get("/id").body());
            }
            assertEquals(List.of("a", "c", "a", "a", "b", "a", "c", "a"), order);
        }
    }

    @Test
    void activeHealthChecksTakeANodeOutAfterFallAndBringItBackAfterRise() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address(), "health-check", "http",
                        "health-path", "/health", "health-interval", "1", "health-fall", "2", "health-rise", "2"))) {
            ProxyingTest.waitFor(() -> a.byPath.containsKey("/health") && b.byPath.containsKey("/health"), "both nodes checked");
            assertEquals(Map.of("a", 2, "b", 2), spread(p, 4));
            Node n = p.live().node(a.address());
            a.healthStatus = 503;
            int before = a.byPath.get("/health").get();
            ProxyingTest.waitFor(() -> n.status().state().equals("down"), "down after two failed checks: " + n.status());
            assertTrue(a.byPath.get("/health").get() - before >= 1, "taken out by the checks, no request failed");
            assertEquals(0, n.status().failures());
            assertEquals(Map.of("b", 6), spread(p, 6));
            a.healthStatus = 200;
            ProxyingTest.waitFor(() -> n.status().state().equals("up"), "up after two passed checks: " + n.status());
            assertEquals(Map.of("a", 2, "b", 2), spread(p, 4));

            // Connect checks: a node that stops listening goes down, and comes back when it listens again.
            p.set("health-check", "connect");
            int port = a.port();
            a.close();
            ProxyingTest.waitFor(() -> n.status().state().equals("down"), "down when it refuses connections: " + n.status());
            assertEquals(Map.of("b", 4), spread(p, 4));
            try (TestNode back = new TestNode("a", false, port)) {
                ProxyingTest.waitFor(() -> n.status().state().equals("up"), "up when it listens again: " + n.status());
                assertEquals(2, spread(p, 4).get("a"));
            }
        }
    }

    /**
     * A check under way when checks are turned off says nothing any more: its failure, arriving later,
     * took the node out with no check left to bring it back (until proxy:node-enable).
     */
    @Test
    void aCheckThatFailsAfterChecksWereTurnedOffTakesNoNodeOut() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address(), "health-check", "http",
                        "health-path", "/hang", "health-interval", "3", "health-fall", "1"))) {
            ProxyingTest.waitFor(() -> a.byPath.containsKey("/hang") && b.byPath.containsKey("/hang"), "both nodes asked");
            p.set("health-check", "off");
            Thread.sleep(3500);
            Node n = p.live().node(a.address());
            assertEquals("up", n.status().state(), n.status().toString());
            assertEquals(Map.of("a", 2, "b", 2), spread(p, 4));
        }
    }

    @Test
    void backupNodeOnlyWhenPrimariesAreOut() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode spare = new TestNode("spare", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + spare.address() + " backup"))) {
            assertEquals(Map.of("a", 10), spread(p, 10));
            p.set("nodes", a.address() + " drain, " + spare.address() + " backup");
            assertEquals(Map.of("spare", 10), spread(p, 10));
        }
    }

    @Test
    void failoverWhenANodeDiesAndRecoveryWhenItComesBack() throws Exception {
        TestNode b = new TestNode("b", false);
        int bPort = b.port();
        try (TestNode a = new TestNode("a", false); TestNode c = new TestNode("c", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address() + ", " + c.address(), "fail-timeout", "1"))) {
            assertEquals(Map.of("a", 3, "b", 3, "c", 3), spread(p, 9));
            b.close();
            // Every request still answered: the one that met the dead node went on to the next.
            Map<String, Integer> during = spread(p, 30);
            assertEquals(30, during.getOrDefault("a", 0) + during.getOrDefault("c", 0), during.toString());
            assertEquals("down", p.live().node("127.0.0.1:" + bPort).status().state());
            try (TestNode back = new TestNode("b", false, bPort)) {
                Thread.sleep(1200);
                Map<String, Integer> after = spread(p, 30);
                assertEquals(10, after.get("b"), after.toString());
                assertEquals("up", p.live().node(back.address()).status().state());
            }
        }
    }

    /**
     * A pool's only node is never taken out by failures (nginx ignores max_fails for a group of one
     * server): one request cut short gave everyone 502 for fail-timeout. A node drained beside it
     * does not count; with a second node taking requests it is taken out as before.
     */
    @Test
    void aPoolsOnlyNodeStaysInAfterAFailure() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address() + " drain", "max-fails", "1",
                        "fail-timeout", "30"))) {
            assertEquals(502, p.get("/close").statusCode(), "the node closed without an answer");
            NodeStatus only = p.live().node(a.address()).status();
            assertEquals(1, only.failures(), only.toString());
            assertEquals("up", only.state(), "the only node serving stays in");
            assertEquals("a", p.get("/id").body());
            p.set("nodes", a.address() + ", " + b.address());
            assertEquals(502, p.get("/close").statusCode());
            boolean downOne = "down".equals(p.live().node(a.address()).status().state())
                    || "down".equals(p.live().node(b.address()).status().state());
            assertTrue(downOne, "with two nodes serving, max-fails 1 takes the failed one out");
        }
    }

    /**
     * A node whose listen queue is full: the kernel drops the proxy's SYNs, so its connect neither
     * succeeds nor fails, as with a node behind a firewall that drops packets, and only connect-timeout ends it.
     */
    @Test
    void aNodeThatNeverAcceptsIsGivenUpAtConnectTimeoutAndTheRequestGoesToTheNext() throws Exception {
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket blackHole = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", "127.0.0.1:" + blackHole.getLocalPort() + ", " + b.address(),
                        "connect-timeout", "1", "max-fails", "1", "fail-timeout", "30"))) {
            boolean full = false;
            for (int i = 0; i < 16 && !full; i++) {
                Socket s = new Socket();
                try {
                    s.connect(blackHole.getLocalSocketAddress(), 300);
                    queued.add(s);
                } catch (SocketTimeoutException e) {
                    s.close();
                    full = true;
                }
            }
            assertTrue(full, "the black hole's listen queue filled up");
            long t = System.nanoTime();
            HttpResponse<String> r = p.get("/id");
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("b", r.body(), "a GET that could not connect goes to the next node");
            assertTrue(ms >= 900 && ms < 4000, "given up after connect-timeout (1 s): " + ms + " ms");
            NodeStatus hole = p.live().node("127.0.0.1:" + blackHole.getLocalPort()).status();
            assertEquals(1, hole.failures(), hole.toString());
            assertEquals("down", hole.state(), "max-fails 1: out for fail-timeout");
            assertEquals(0, hole.activeRequests(), hole.toString());
            t = System.nanoTime();
            assertEquals(Map.of("b", 5), spread(p, 5), "the next requests do not wait for it");
            assertTrue(System.nanoTime() - t < 900_000_000L, "no connect-timeout paid again");
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    /** A TLS node that takes the connection but never answers the handshake: connect-timeout bounds the handshake too. */
    @Test
    void aTlsNodeSilentInTheHandshakeIsGivenUpAtConnectTimeout() throws Exception {
        // Never accepted: the kernel completes TCP connections into the listen queue, and nothing reads the ClientHello.
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                TestNode b = new TestNode("b", true);
                TestProxy p = new TestProxy(home, Map.of("nodes", "127.0.0.1:" + mute.getLocalPort() + ", " + b.address(), "tls", "true",
                        "tls-trust-all", "true", "connect-timeout", "1", "max-fails", "1", "fail-timeout", "30"))) {
            long t = System.nanoTime();
            HttpResponse<String> r = p.get("/id");
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertEquals("b", r.body(), "a GET whose node never finished the handshake goes to the next node");
            assertTrue(ms >= 900 && ms < 4000, "given up after connect-timeout (1 s): " + ms + " ms");
            NodeStatus silent = p.live().node("127.0.0.1:" + mute.getLocalPort()).status();
            assertEquals(1, silent.failures(), silent.toString());
            assertEquals("down", silent.state(), silent.toString());
        }
    }

    @Test
    void getIsRetriedOnTheNextNodeButAPostWhoseBodyWasSentIsNot() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address(), "max-fails", "0"))) {
            a.broken = true; // takes the request, then closes without an answer
            for (int i = 0; i < 4; i++) {
                assertEquals("b", p.get("/id").body());
            }
            assertTrue(a.requests.get() >= 2, "a saw the GETs first: " + a.requests.get());
            int bBefore = b.requests.get();
            int postsTo502 = 0;
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = p.post("/echo", "pin=1234");
                if (r.statusCode() == 502) {
                    postsTo502++;
                } else {
                    assertEquals("b:pin=1234", r.body());
                }
            }
            assertEquals(2, postsTo502, "the POSTs that reached a are not replayed on b");
            assertEquals(bBefore + 2, b.requests.get());
        }
    }

    @Test
    void emptyPoolAnswers503AndAllDownAnswers502() throws Exception {
        try (TestProxy p = new TestProxy(home, Map.of())) {
            HttpResponse<String> r = p.get("/api/client/v2/status");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("No conferencing node is configured"), r.body());
            p.set("nodes", "127.0.0.1:1, 127.0.0.1:2");
            assertEquals(502, p.get("/id").statusCode());
            assertEquals(502, p.get("/id").statusCode());
            assertTrue(p.get("/id").body().contains("every node is down"), "nodes that failed are out for fail-timeout");
        }
    }
}
