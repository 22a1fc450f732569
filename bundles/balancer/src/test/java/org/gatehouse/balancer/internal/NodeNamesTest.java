package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node host names are looked up away from the I/O threads: a slow lookup stalls no request, a name
 * that does not resolve is a node without requests (not a failing one), with one WARN and a Problem
 * until it resolves, and a changed answer is taken at the next lookup. Names under {@code .invalid}
 * never resolve (RFC 6761); the tests' lookups are their own, so no test depends on the machine's DNS.
 */
class NodeNamesTest {

    /** What the log lines name for the test pool's configuration (it has no file). */
    private static final String SOURCE = "configuration org.gatehouse.balancer.pool~test";

    @TempDir
    Path home;

    /** What each name resolves to (addresses comma-separated, in the answer's order); a name missing here does not resolve. */
    private final Map<String, String> dns = new ConcurrentHashMap<>();
    private final AtomicInteger lookups = new AtomicInteger();

    private InetAddress[] lookup(String host) throws UnknownHostException {
        lookups.incrementAndGet();
        String a = dns.get(host);
        if (a == null) {
            throw new UnknownHostException(host + ": Name or service not known");
        }
        String[] each = a.split(",");
        InetAddress[] answer = new InetAddress[each.length];
        for (int i = 0; i < each.length; i++) {
            answer[i] = InetAddress.getByName(each[i]);
        }
        return answer;
    }

    private TestProxy proxy(Map<String, Object> settings, NodeNames.Lookup lookup) throws Exception {
        return new TestProxy(home, settings, Map.of(), c -> {
            c.lookup = lookup;
            c.namesRefreshMillis = 300;
            c.namesRetryMillis = 100;
        });
    }

    @Test
    void aLookupThatHangsStallsNoRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        NodeNames.Lookup hanging = host -> {
            if (host.equals("slow.invalid")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new UnknownHostException(host + ": Temporary failure in name resolution");
            }
            return lookup(host);
        };
        try (TestNode a = new TestNode("a", false);
                TestProxy p = proxy(Map.of("nodes", "slow.invalid:" + a.port() + ", " + a.address()), hanging)) {
            try {
                for (int i = 0; i < 10; i++) {
                    long start = System.nanoTime();
                    assertEquals("a", p.get("/id").body());
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(millis < 1000, "request " + i + " answered in " + millis + " ms while a lookup hangs");
                }
                Node slow = p.live().node("slow.invalid:" + a.port());
                assertEquals("unresolved", slow.status().state());
                assertEquals(0, slow.status().requests(), "not chosen while its name is looked up");
                assertEquals(0, slow.status().failures(), "not a failure of the node");
                assertEquals(List.of(), p.pool.problems(), "no Problem before a lookup has failed");
            } finally {
                release.countDown();
            }
        }
    }

    /** A lookup that outlives its pool (the file deleted meanwhile) brings no Problem back for a pool that is gone. */
    @Test
    void aLookupEndingAfterThePoolWentStatesNothing() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        NodeNames.Lookup hanging = host -> {
            if (host.equals("slow.invalid")) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // shutdownNow does not stop a real resolver: the lookup ends as it would
                }
                try {
                    throw new UnknownHostException(host + ": Temporary failure in name resolution");
                } finally {
                    done.countDown();
                }
            }
            return lookup(host);
        };
        try (TestNode a = new TestNode("a", false);
                TestProxy p = proxy(Map.of("nodes", "slow.invalid:" + a.port() + ", " + a.address()), hanging)) {
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            p.pool.deactivate(4);
            release.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            Thread.sleep(200);
            assertEquals(List.of(), p.pool.problems(), "nothing stated for a pool that is gone");
        }
    }

    @Test
    void aNameThatDoesNotResolveIsOneWarningAndAProblemUntilItDoes() throws Exception {
        try (CapturedLog log = new CapturedLog(); TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = proxy(Map.of("nodes", "nodes1.example.invalid:" + b.port() + ", " + a.address()), this::lookup)) {
            Node named = p.live().node("nodes1.example.invalid:" + b.port());
            ProxyingTest.waitFor(() -> lookups.get() >= 5, "looked up again while it fails");
            assertEquals("unresolved", named.status().state());
            for (int i = 0; i < 6; i++) {
                assertEquals("a", p.get("/id").body(), "only the node that resolves gets requests");
            }
            assertEquals(0, named.status().failures());
            List<String> warnings = log.lines("WARN").stream().filter(l -> l.contains("nodes1.example.invalid")).toList();
            assertEquals(1, warnings.size(), "one WARN per failure episode: " + warnings);
            assertTrue(warnings.get(0).contains(SOURCE + ": nodes: host nodes1.example.invalid does not resolve (Name or service not known)"),
                    warnings.get(0));
            assertEquals(List.of(SOURCE + ": nodes: host nodes1.example.invalid does not resolve (Name or service not known); node "
                    + "nodes1.example.invalid:" + b.port() + " gets no requests until it does"), p.pool.problems());

            dns.put("nodes1.example.invalid", "127.0.0.1");
            ProxyingTest.waitFor(() -> named.status().state().equals("up"), "up once it resolves: " + named.status());
            assertTrue(log.lines("INFO").stream().anyMatch(l -> l.contains("host nodes1.example.invalid resolves again (127.0.0.1)")),
                    "an INFO when it resolves again");
            assertEquals(List.of(), p.pool.problems());
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                seen.merge(p.get("/id").body(), 1, Integer::sum);
            }
            assertEquals(Map.of("a", 2, "b", 2), seen, "both nodes in the round again");
        }
    }

    @Test
    void allNodesUnresolvedIsThePoolsAllDown502() throws Exception {
        try (TestProxy p = proxy(Map.of("nodes", "nodes1.example.invalid:443, nodes2.example.invalid:443"), this::lookup)) {
            ProxyingTest.waitFor(() -> p.pool.problems().size() == 2, "both names failed: " + p.pool.problems());
            var r = p.get("/id");
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(r.body().contains(ProxyExchange.NONE_AVAILABLE), r.body());
            assertFalse(r.body().contains("example.invalid"), "the page is public: no node names " + r.body());
            assertEquals(0, p.live().node("nodes1.example.invalid:443").status().failures());
        }
    }

    /** A lookup that answers after {@code millis}: the machine's DNS on a slow day. */
    private NodeNames.Lookup slow(long millis) {
        return host -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return lookup(host);
        };
    }

    @Test
    void aRequestRightAfterStartWaitsForTheFirstLookup() throws Exception {
        try (TestNode a = new TestNode("a", false)) {
            dns.put("node.invalid", "127.0.0.1");
            try (TestProxy p = proxy(Map.of("nodes", "node.invalid:" + a.port()), slow(600))) {
                long start = System.nanoTime();
                var r = p.get("/id");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(200, r.statusCode(), "not a 502 while the only node's name is looked up: " + r.body());
                assertEquals("a", r.body());
                assertTrue(millis >= 300, "it waited for the lookup: " + millis + " ms");
                assertEquals(0, p.live().node("node.invalid:" + a.port()).status().failures());
            }
        }
    }

    @Test
    void aLookupSlowerThanConnectTimeoutIsA502AfterIt() throws Exception {
        dns.put("node.invalid", "127.0.0.1");
        try (TestProxy p = proxy(Map.of("nodes", "node.invalid:443", "connect-timeout", "1"), slow(4000))) {
            long start = System.nanoTime();
            var r = p.get("/id");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(r.body().contains(ProxyExchange.NONE_AVAILABLE), r.body());
            assertTrue(millis >= 900 && millis < 3000, "waited connect-timeout (1 s): " + millis + " ms");
        }
    }

    @Test
    void aChangedAnswerIsTakenAtTheNextLookup() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false, "127.0.0.2", a.port())) {
            dns.put("node.invalid", "127.0.0.1");
            try (TestProxy p = proxy(Map.of("nodes", "node.invalid:" + a.port()), this::lookup)) {
                ProxyingTest.waitFor(() -> p.live().node("node.invalid:" + a.port()).status().state().equals("up"), "resolved");
                assertEquals("a", p.get("/id").body());
                dns.put("node.invalid", "127.0.0.2");
                ProxyingTest.waitFor(() -> {
                    try {
                        return p.get("/id").body().equals("b");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, "the new address at the next lookup");
                assertEquals("b", p.get("/id").body(), "and kept-alive connections to the old one are not used");
            }
        }
    }

    @Test
    void aNameThatStopsResolvingKeepsItsLastAddress() throws Exception {
        try (CapturedLog log = new CapturedLog(); TestNode b = new TestNode("b", false)) {
            dns.put("node.invalid", "127.0.0.1");
            try (TestProxy p = proxy(Map.of("nodes", "node.invalid:" + b.port()), this::lookup)) {
                Node named = p.live().node("node.invalid:" + b.port());
                ProxyingTest.waitFor(() -> named.status().state().equals("up"), "resolved");
                assertEquals("b", p.get("/id").body());

                // The resolver has a bad minute: the node goes on at the address it had.
                dns.remove("node.invalid");
                int before = lookups.get();
                ProxyingTest.waitFor(() -> lookups.get() >= before + 3, "looked up again while it fails");
                assertEquals("up", named.status().state(), "not taken out by a DNS outage");
                for (int i = 0; i < 3; i++) {
                    assertEquals("b", p.get("/id").body(), "requests go on to the last address");
                }
                List<String> warnings = log.lines("WARN").stream().filter(l -> l.contains("node.invalid")).toList();
                assertEquals(1, warnings.size(), "one WARN: " + warnings);
                assertTrue(warnings.get(0).contains("does not resolve now (Name or service not known); node node.invalid:" + b.port()
                        + " keeps its last address 127.0.0.1 until it does"), warnings.get(0));
                assertEquals(List.of(SOURCE + ": nodes: host node.invalid does not resolve now (Name or service not known); node node.invalid:"
                        + b.port() + " keeps its last address 127.0.0.1 until it does"), p.pool.problems());

                dns.put("node.invalid", "127.0.0.1");
                ProxyingTest.waitFor(() -> p.pool.problems().isEmpty(), "the Problem goes when it resolves again");
            }
        }
    }

    /** A connection busy when the name moved comes back to the pool afterwards: it is not used again. */
    @Test
    void aConnectionBusyWhenTheNameMovesIsNotKeptForTheOldAddress() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false, "127.0.0.2", a.port())) {
            dns.put("node.invalid", "127.0.0.1");
            try (TestProxy p = proxy(Map.of("nodes", "node.invalid:" + a.port()), this::lookup)) {
                Node n = p.live().node("node.invalid:" + a.port());
                ProxyingTest.waitFor(() -> n.status().state().equals("up"), "resolved");
                var slow = p.client.sendAsync(java.net.http.HttpRequest.newBuilder(p.uri("/slow")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                Thread.sleep(200);
                dns.put("node.invalid", "127.0.0.2");
                ProxyingTest.waitFor(() -> n.socketAddress().getAddress().getHostAddress().equals("127.0.0.2"), "moved");
                assertEquals("a", slow.get(5, TimeUnit.SECONDS).body(), "the request under way ends where it began");
                for (int i = 0; i < 3; i++) {
                    assertEquals("b", p.get("/id").body(), "request " + i + " after the move goes to the new address");
                }
            }
        }
    }

    /** Round-robin DNS: the same addresses in another order at each lookup move nothing. */
    @Test
    void anAnswerInAnotherOrderKeepsTheAddressInUse() throws Exception {
        try (CapturedLog log = new CapturedLog(); TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false, "127.0.0.2", a.port())) {
            dns.put("node.invalid", "127.0.0.1,127.0.0.2");
            try (TestProxy p = proxy(Map.of("nodes", "node.invalid:" + a.port()), this::lookup)) {
                Node n = p.live().node("node.invalid:" + a.port());
                ProxyingTest.waitFor(() -> n.status().state().equals("up"), "resolved");
                assertEquals("a", p.get("/id").body());
                dns.put("node.invalid", "127.0.0.2,127.0.0.1");
                int before = lookups.get();
                ProxyingTest.waitFor(() -> lookups.get() >= before + 2, "looked up again");
                assertEquals("a", p.get("/id").body(), "still at the address in use");
                assertEquals("127.0.0.1", n.socketAddress().getAddress().getHostAddress());
                assertTrue(log.lines("INFO").stream().noneMatch(l -> l.contains("is now at")), log.lines("INFO").toString());

                dns.put("node.invalid", "127.0.0.2");
                ProxyingTest.waitFor(() -> n.socketAddress().getAddress().getHostAddress().equals("127.0.0.2"), "moves once it is gone from the answer");
            }
        }
    }

    @Test
    void ipLiteralsAreNeverLookedUp() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = proxy(Map.of("nodes", a.address() + ", [::1]:" + a.port()), this::lookup)) {
            assertEquals("a", p.get("/id").body());
            Thread.sleep(300);
            assertEquals(0, lookups.get());
            assertEquals("up", p.live().node(a.address()).status().state());
        }
    }
}
