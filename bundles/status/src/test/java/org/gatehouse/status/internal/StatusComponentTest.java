package org.gatehouse.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.core.CapturedLog;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.KeptAliveAnswer;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.status.MetricsSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The management listener with a real HTTP client on loopback, and fake feature services behind it. */
class StatusComponentTest {

    private static final ManagementNetworks LOOPBACK = () -> AddressSet.parse(List.of("127.0.0.0/8", "::1"));

    private EventLoops loops;
    private StatusComponent status;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
    }

    @AfterEach
    void stop() {
        if (status != null) {
            status.deactivate();
        }
        EventLoopsAccess.stop(loops);
    }

    private StatusComponent activate(ManagementNetworks networks, Map<String, Object> properties) {
        status = new StatusComponent();
        status.loops = loops;
        status.managementNetworks = networks;
        status.activate(null, properties);
        return status;
    }

    private int port() {
        return status.bound().get(0).address().getPort();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withNoFeatureInstalledTheMetricsParseAndTheProcessIsDescribed() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        Map<String, Double> samples = Exposition.parse(r.body());
        assertTrue(samples.get("gatehouse_jvm_heap_used_bytes") > 0, r.body());
        assertTrue(samples.get("gatehouse_jvm_threads") > 0, r.body());
        assertTrue(samples.get("gatehouse_uptime_seconds") > 0, r.body());
        assertEquals(0.0, samples.get("gatehouse_status_source_failures_total"));
        assertFalse(r.body().contains("gatehouse_proxy_"), r.body());
        assertFalse(r.body().contains("gatehouse_turn_"), r.body());
        Promtool.check(r.body());

        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().startsWith("<!DOCTYPE html>"), page.body());
        assertTrue(page.body().contains("<meta http-equiv=\"refresh\" content=\"10\">"), page.body());
        assertFalse(page.body().contains("<script"), page.body());
    }

    /** A request as a browser sends it after a page's name was re-pointed to this listener (DNS rebinding). */
    private String withHost(String host) throws Exception {
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void onlyRequestsNamingThisListenerAreAnswered() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        String rebound = withHost("evil.example:" + port());
        assertTrue(rebound.startsWith("HTTP/1.1 421 ") && rebound.contains("host-names"), rebound);
        assertFalse(rebound.contains("gatehouse_"), "no metric in it");
        for (String host : List.of("127.0.0.1:" + port(), "[::1]:" + port(), "localhost:" + port(), "LOCALHOST.", "127.0.0.1")) {
            assertTrue(withHost(host).startsWith("HTTP/1.1 200 "), host);
        }
        status.modified(Map.of("listen", "127.0.0.1:" + port(), "host-names", "gatehouse1.mgmt.example.com, Edge2.Example.net."));
        assertTrue(withHost("gatehouse1.mgmt.example.com:" + port()).startsWith("HTTP/1.1 200 "));
        assertTrue(withHost("edge2.example.net").startsWith("HTTP/1.1 200 "));
        assertTrue(withHost("evil.example").startsWith("HTTP/1.1 421 "));
        // Written as the scrape target, with its port: taken (the whole file was refused).
        status.modified(Map.of("listen", "127.0.0.1:" + port(), "host-names", "gatehouse3.mgmt.example.com:9090"));
        assertTrue(withHost("gatehouse3.mgmt.example.com:" + port()).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void aClientPipeliningWithoutReadingIsNotAnsweredWithoutBound() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        io.netty.buffer.ByteBufAllocatorMetric pool = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric();
        long before = pool.usedDirectMemory() + pool.usedHeapMemory();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(16 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            java.io.OutputStream out = s.getOutputStream();
            byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 10_000_000; i++) {
                        out.write(request);
                        sent.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // closed by the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            // The server stops reading requests once its answers wait; before the change it read on
            // and queued an answer of a few KB for each, hundreds of MB within seconds.
            Thread.sleep(5000);
            long grown = pool.usedDirectMemory() + pool.usedHeapMemory() - before;
            assertTrue(grown < 64L << 20, "answers queued for a client that reads none: " + (grown >> 20) + " MB after "
                    + sent.get() + " requests");
        }
    }

    @Test
    void valuesFollowTheServices() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        Fakes.FakePools pools = new Fakes.FakePools();
        Fakes.FakeTurn turn = new Fakes.FakeTurn();
        Fakes.FakeCertificates certificates = new Fakes.FakeCertificates();
        Fakes.FakeStun stun = new Fakes.FakeStun();
        Fakes.FakeFront front = new Fakes.FakeFront();
        TurnStatus turnStatus = new TurnStatus(turn);
        for (Object section : List.of(new ProxyStatus(pools), turnStatus, new CertificateStatus(certificates),
                new StunStatus(stun), new FrontStatus(front))) {
            status.bindSource((org.gatehouse.status.MetricsSource) section);
            status.bindSection((PageSection) section);
        }
        status.bindListener(Fakes.listener("https", "tls", new InetSocketAddress("127.0.0.1", 8443)));
        pools.pools = List.of(new PoolStatus("conferencing", List.of("/api/", "/"), false, List.of(
                new NodeStatus("10.0.0.1:443", 1, false, "up", 3, 2, 120, 4, 25_000, 1),
                new NodeStatus("10.0.0.2:443", 1, true, "down", 0, 0, 7, 7, 0, 0))));
        turn.statistics = Fakes.turn(5, 123_456);
        front.open = 9;
        front.https.put(200, 41L);
        front.https.put(502, 2L);
        stun.bindings = 77;

        Map<String, Double> m = Exposition.parse(get("/metrics").body());
        String a = "{pool=\"conferencing\",node=\"10.0.0.1:443\"}";
        String b = "{pool=\"conferencing\",node=\"10.0.0.2:443\"}";
        assertEquals(2.0, m.get("gatehouse_proxy_pool_nodes{pool=\"conferencing\"}"));
        assertEquals(1.0, m.get("gatehouse_proxy_pool_nodes_up{pool=\"conferencing\"}"));
        assertEquals(1.0, m.get("gatehouse_proxy_node_up" + a));
        assertEquals(0.0, m.get("gatehouse_proxy_node_up" + b));
        assertEquals(1.0, m.get("gatehouse_proxy_node_state{pool=\"conferencing\",node=\"10.0.0.2:443\",state=\"down\"}"));
        assertEquals(120.0, m.get("gatehouse_proxy_node_requests_total" + a));
        assertEquals(4.0, m.get("gatehouse_proxy_node_failures_total" + a));
        assertEquals(3.0, m.get("gatehouse_proxy_node_active_requests" + a));
        assertEquals(2.0, m.get("gatehouse_proxy_node_open_streams" + a));
        assertEquals(0.025, m.get("gatehouse_proxy_node_latency_seconds" + a));
        assertEquals(1.0, m.get("gatehouse_turn_enabled"));
        assertEquals(0.0, m.get("gatehouse_turn_draining"));
        assertEquals(5.0, m.get("gatehouse_turn_allocations"));
        assertEquals(10.0, m.get("gatehouse_turn_permissions"));
        assertEquals(5.0, m.get("gatehouse_turn_channels"));
        assertEquals(123_456.0, m.get("gatehouse_turn_relayed_bytes_total{direction=\"to_peers\"}"));
        assertEquals(90.0, m.get("gatehouse_turn_relayed_packets_total{direction=\"to_clients\"}"));
        assertEquals(4.0, m.get("gatehouse_turn_auth_failures_total"));
        assertEquals(5.0, m.get("gatehouse_turn_denied_peers_total"));
        assertEquals(9.0, m.get("gatehouse_http_open_connections"));
        assertEquals(41.0, m.get("gatehouse_http_responses_total{listener=\"https\",code=\"200\"}"));
        assertEquals(2.0, m.get("gatehouse_http_responses_total{listener=\"https\",code=\"502\"}"));
        assertEquals(77.0, m.get("gatehouse_stun_binding_requests_total"));
        assertEquals(90.0, Math.floor(m.get("gatehouse_certificate_expires_in_seconds{subject=\"CN=gatehouse.example.com\"}") / 86400));
        assertEquals((double) certificates.current.notAfter().getEpochSecond(),
                m.get("gatehouse_certificate_not_after_seconds{subject=\"CN=gatehouse.example.com\"}"));
        assertEquals(1.0, m.get("gatehouse_listener{name=\"https\",protocol=\"tls\",address=\"127.0.0.1:8443\"}"));

        // The next scrape sees the services as they are then.
        turn.statistics = Fakes.turn(0, 200_000);
        turn.enabled = false;
        turn.draining = new org.gatehouse.turn.Draining(Instant.parse("2026-12-02T14:00:00Z"), List.of(), 3);
        stun.bindings = 78;
        front.https.put(200, 42L);
        certificates.current = Fakes.certificate("CN=new", Instant.now().plus(Duration.ofDays(3).plusHours(1)));
        String text = get("/metrics").body();
        m = Exposition.parse(text);
        assertEquals(0.0, m.get("gatehouse_turn_allocations"));
        assertEquals(0.0, m.get("gatehouse_turn_enabled"), "TURN switched off");
        assertEquals(1.0, m.get("gatehouse_turn_draining"), "TURN drained");
        assertEquals(200_000.0, m.get("gatehouse_turn_relayed_bytes_total{direction=\"to_peers\"}"));
        assertEquals(78.0, m.get("gatehouse_stun_binding_requests_total"));
        assertEquals(42.0, m.get("gatehouse_http_responses_total{listener=\"https\",code=\"200\"}"));
        assertEquals(3.0, Math.floor(m.get("gatehouse_certificate_expires_in_seconds{subject=\"CN=new\"}") / 86400));
        Promtool.check(text);

        String page = get("/").body();
        assertTrue(page.contains("<h2>Proxy</h2>") && page.contains("<h2>TURN</h2>") && page.contains("<h2>Certificate</h2>")
                && page.contains("<h2>Listeners</h2>"), page);
        assertTrue(page.contains("<td class=\"bad\">down</td>"), page);
        assertTrue(page.contains("(3 days left)"), page);
        assertTrue(page.contains("since 2026-12-02T14:00:00Z: 3 Allocate request(s) turned away, 0 allocation(s) still relaying here"), page);
        // The TLS bundle states the expiry as a Problem, listed at the top of the page: not repeated here.
        assertFalse(page.contains("class=\"bad\">The certificate expires"), page);
        assertEquals(0.0, m.get("gatehouse_certificate_file_refused"));

        // The operator's file refused, another certificate serving in its place: the gauge says so, the
        // block points to the Problem the TLS bundle states, without repeating it.
        certificates.problem = "/opt/gatehouse/etc/tls/server.pem: the private key belongs to none of the 1 certificate(s) in the file;"
                + " serving \"CN=new\" from /opt/gatehouse/data/tls/last-good.pem";
        assertEquals(1.0, Exposition.parse(get("/metrics").body()).get("gatehouse_certificate_file_refused"));
        page = get("/").body();
        assertTrue(page.contains("<td>Configured file</td><td>refused, another certificate serves in its place (see Problems)</td>"), page);
        assertFalse(page.contains("the private key belongs to none"), page);

        // A feature that goes away takes its samples and its block with it.
        status.unbindSource(turnStatus);
        status.unbindSection(turnStatus);
        assertFalse(get("/metrics").body().contains("gatehouse_turn_"));
        assertFalse(get("/").body().contains("<h2>TURN</h2>"));
    }

    @Test
    void problemsReportedAreListedFirstOnThePageAndCountedUntilTheyGo() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        ProblemStatus problems = new ProblemStatus();
        status.bindSource(problems);
        status.bindSection(problems);
        assertEquals(0.0, Exposition.parse(get("/metrics").body()).get("gatehouse_problems"));
        assertFalse(get("/").body().contains("<h2>Problems</h2>"), "no block while nothing is reported");

        org.gatehouse.core.Problem https = () -> "HTTPS listener 0.0.0.0:443 cannot open: <in use>; nothing is served";
        org.gatehouse.core.Problem deploy = () -> "deploy/x.cfg is ignored: configurations go in etc/";
        org.gatehouse.core.Problem broken = () -> {
            throw new IllegalStateException("gone");
        };
        // The status bundle's own are listed and counted like any other's (here: a file refused).
        org.gatehouse.core.Problem own = () -> "etc/org.gatehouse.status.cfg: page-refresh = '-1' is out of range";
        problems.bindProblem(https);
        problems.bindProblem(deploy);
        problems.bindProblem(broken);
        problems.bindProblem(own);

        String metrics = get("/metrics").body();
        assertEquals(4.0, Exposition.parse(metrics).get("gatehouse_problems"), metrics);
        assertTrue(metrics.contains("# TYPE gatehouse_problems gauge"), metrics);
        Promtool.check(metrics);
        String page = get("/").body();
        int heading = page.indexOf("<h2>Problems</h2>");
        assertTrue(heading > 0 && heading < page.indexOf("<h2>Listeners</h2>"), page);
        assertTrue(page.contains("<h2>Problems</h2>\n"
                + "<p class=\"bad\">HTTPS listener 0.0.0.0:443 cannot open: &lt;in use&gt;; nothing is served</p>\n"
                + "<p class=\"bad\">deploy/x.cfg is ignored: configurations go in etc/</p>\n"
                + "<p class=\"bad\">a reported problem cannot be read: java.lang.IllegalStateException: gone</p>\n"
                + "<p class=\"bad\">etc/org.gatehouse.status.cfg: page-refresh = &#39;-1&#39; is out of range</p>\n"), page);

        problems.unbindProblem(https);
        problems.unbindProblem(broken);
        problems.unbindProblem(own);
        assertEquals(1.0, Exposition.parse(get("/metrics").body()).get("gatehouse_problems"));
        page = get("/").body();
        assertFalse(page.contains("HTTPS listener 0.0.0.0:443"), page);
        assertTrue(page.contains("<p class=\"bad\">deploy/x.cfg is ignored: configurations go in etc/</p>"), page);
        problems.unbindProblem(deploy);
        assertEquals(0.0, Exposition.parse(get("/metrics").body()).get("gatehouse_problems"));
        assertFalse(get("/").body().contains("<h2>Problems</h2>"));
    }

    /** A pool whose file is refused says so on the page, not "No nodes yet" (refused at start) or nothing (live). */
    @Test
    void aPoolWhoseFileIsRefusedSaysSo() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        Fakes.FakePools pools = new Fakes.FakePools();
        ProxyStatus proxy = new ProxyStatus(pools);
        status.bindSection(proxy);
        String why = "etc/org.gatehouse.balancer.pool-conferencing.cfg: max-fails = '-1' is out of range (0 to 1000)";
        pools.pools = List.of(new PoolStatus("conferencing", List.of("/"), false, List.of(), why, false));
        String page = get("/").body();
        assertTrue(page.contains("<p class=\"bad\">Its file is refused: its routes answer 503 and no node is contacted until it is fixed: "
                + why.replace("'", "&#39;")), page);
        assertFalse(page.contains("No nodes yet"), page);
        pools.pools = List.of(new PoolStatus("conferencing", List.of("/"), false, List.of(
                new NodeStatus("10.0.0.1:443", 1, false, "up", 0, 0, 0, 0, 0, 0)), why, true));
        page = get("/").body();
        assertTrue(page.contains("<p class=\"bad\">Its file is refused, it runs on its previous settings: "), page);
        assertTrue(page.contains("10.0.0.1:443"), page);
    }

    @Test
    void everyValueOnThePageIsEscaped() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        Fakes.FakePools pools = new Fakes.FakePools();
        ProxyStatus proxy = new ProxyStatus(pools);
        status.bindSource(proxy);
        status.bindSection(proxy);
        pools.pools = List.of(new PoolStatus("p<b>\"x\"", List.of("/"), false, List.of(
                new NodeStatus("<script>alert('node')</script>", 1, false, "up", 0, 0, 0, 0, 0, 0))));
        HttpResponse<String> r = get("/");
        assertFalse(r.body().contains("<script>"), r.body());
        assertFalse(r.body().contains("<b>"), r.body());
        assertTrue(r.body().contains("&lt;script&gt;alert(&#39;node&#39;)&lt;/script&gt;"), r.body());
        assertTrue(r.headers().firstValue("content-security-policy").orElse("").startsWith("default-src 'none'"));
        // The same names in the metrics are label values, escaped by the exposition rules.
        String text = get("/metrics").body();
        Exposition.parse(text);
        assertTrue(text.contains("pool=\"p<b>\\\"x\\\"\""), text);
    }

    @Test
    void otherPathsAre404OtherMethods405AndHeadHasNoBody() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        assertEquals(404, get("/metrics/more").statusCode());
        assertEquals(404, get("/favicon.ico").statusCode());
        HttpResponse<String> post = send("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        assertEquals(405, send("DELETE", "/").statusCode());
        HttpResponse<String> head = send("HEAD", "/metrics");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertTrue(Long.parseLong(head.headers().firstValue("content-length").orElse("0")) > 100);
        assertEquals(200, get("/metrics?name=x").statusCode());
    }

    @Test
    void anOversizedRequestIsRefusedAndTheConnectionClosed() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        String answer = raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400") || answer.startsWith("HTTP/1.1 431"), answer);
        String body = raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(5000));
        assertTrue(body.startsWith("HTTP/1.1 413"), body);
    }

    @Test
    void aSourceOutsideTheManagementNetworksIsClosedAtAccept() throws Exception {
        activate(() -> AddressSet.parse(List.of("10.0.0.0/8")), Map.of("listen", "127.0.0.1:0"));
        String answer = raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("", answer, "nothing answered to 127.0.0.1");
        // Management networks changed to include loopback: the next connection is served.
        status.managementNetworks = LOOPBACK;
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void connectionsFromANetworkTakenOffTheListClose() throws Exception {
        AtomicReference<AddressSet> listed = new AtomicReference<>(AddressSet.parse(List.of("127.0.0.0/8")));
        activate(listed::get, Map.of("listen", "127.0.0.1:0"));
        try (Socket kept = new Socket()) {
            kept.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            kept.setSoTimeout(5000);
            String request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            kept.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = kept.getInputStream();
            String first = KeptAliveAnswer.read(in);
            assertTrue(first.startsWith("HTTP/1.1 200"), first);

            listed.set(AddressSet.parse(List.of("127.0.0.1/32", "10.0.0.0/8")));
            status.closeConnectionsOutsideManagementNetworks();
            kept.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(KeptAliveAnswer.read(in).startsWith("HTTP/1.1 200"), "still listed: still served");

            try (CapturedLog log = new CapturedLog()) {
                listed.set(AddressSet.parse(List.of("10.0.0.0/8")));
                status.closeConnectionsOutsideManagementNetworks();
                assertEquals(-1, in.read(), "closed by the server");
                List<String> warned = log.lines("WARN");
                assertEquals(1, warned.size(), log.lines().toString());
                assertTrue(warned.get(0).contains("Status: closed the connection from 127.0.0.1: no longer in management-networks 10.0.0.0/8"),
                        warned.get(0));
            }
        }
        assertEquals("", raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), "and a new one is refused");
    }

    @Test
    void aBadListenValueIsRefusedWithOneLineAndTheListenerInForceStays() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        int before = port();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            status.modified(Map.of("listen", "127.0.0.1:0, 127.0.0.1:99999"));
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("ERROR")).toList();
        assertEquals(1, lines.size(), captured.toString(StandardCharsets.UTF_8));
        assertTrue(lines.get(0).contains("configuration org.gatehouse.status: listen = '127.0.0.1:99999'"), lines.get(0));
        assertTrue(lines.get(0).contains("the status listener stays on 127.0.0.1:" + before), lines.get(0));
        assertEquals(1, status.bound().size());
        assertEquals(before, port());
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void aListenerMovedToATakenPortKeepsServingWhereItWas() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        int before = port();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            status.modified(Map.of("listen", "127.0.0.1:" + taken.getLocalPort()));
            assertEquals(1, status.bound().size());
            assertEquals(before, port(), "kept: its replacement could not be opened");
            assertEquals(200, get("/metrics").statusCode());
        }
    }

    @Test
    void listenFollowsTheConfigurationLiveAndEmptyTurnsItOff() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        int first = port();
        status.modified(Map.of("listen", "127.0.0.1:0, [::1]:0"));
        assertEquals(2, status.bound().size());
        assertEquals(first, port(), "the address that stays is not rebound");
        status.modified(Map.of("listen", ""));
        assertTrue(status.bound().isEmpty());
        assertEquals("", rawTo(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        status.modified(Map.of("listen", "127.0.0.1:0", "page-refresh", "0"));
        String page = get("/").body();
        assertFalse(page.contains("http-equiv=\"refresh\""), page);
    }

    /** A kept-alive connection (Prometheus scrapes on one) accepted on an address taken out of listen is closed with it. */
    @Test
    void aRemovedListenerClosesItsConnections() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0, [::1]:0"));
        int v4 = status.bound().stream().filter(l -> l.address().getAddress() instanceof java.net.Inet4Address).findFirst().orElseThrow()
                .address().getPort();
        try (Socket kept = new Socket("127.0.0.1", v4)) {
            kept.setSoTimeout(5000);
            kept.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = kept.getInputStream();
            assertTrue(in.read(new byte[65536]) > 0, "answered");
            status.modified(Map.of("listen", "[::1]:0"));
            byte[] rest = new byte[65536];
            int n;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            do {
                n = in.read(rest);
            } while (n > 0 && System.nanoTime() < deadline);
            assertEquals(-1, n, "the connection to the removed address is closed");
        }
    }

    /**
     * A node removed while still finishing exchanges and added back is listed twice by its pool: its
     * series are written once, and nothing after them is lost (one duplicate used to end the source).
     */
    @Test
    void aNodeListedTwiceIsWrittenOnceAndTheRestOfTheScrapeStays() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        Fakes.FakePools pools = new Fakes.FakePools();
        pools.pools = List.of(new PoolStatus("conferencing", List.of("/"), false, List.of(
                new NodeStatus("10.0.0.1:443", 1, false, "up", 0, 0, 5, 0, 1_000, 1),
                new NodeStatus("10.0.0.1:443", 1, false, "removed", 1, 1, 9, 0, 1_000, 0))),
                new PoolStatus("other", List.of("/other/"), false, List.of(new NodeStatus("10.0.0.2:443", 1, false, "up", 0, 0, 1, 0, 1, 0))));
        status.bindSource(new ProxyStatus(pools));
        status.bindSource(m -> {
            m.gauge("gatehouse_extension_value", "From another bundle.", 1);
            m.gauge("gatehouse_extension_value", "From another bundle.", 2);
            m.gauge("gatehouse_extension_after", "Written after a duplicate of the same source.", 3);
        });
        Map<String, Double> m = Exposition.parse(get("/metrics").body());
        assertEquals(5.0, m.get("gatehouse_proxy_node_requests_total{pool=\"conferencing\",node=\"10.0.0.1:443\"}"), "the pool's own node");
        assertEquals(1.0, m.get("gatehouse_proxy_pool_nodes_up{pool=\"other\"}"), "the next pool is still there");
        assertEquals(1.0, m.get("gatehouse_extension_value"));
        assertEquals(3.0, m.get("gatehouse_extension_after"), "a refused sample costs only itself");
        assertEquals(1.0, m.get("gatehouse_status_source_failures_total"));
    }

    @Test
    void aFailingSourceIsSkippedAndCounted() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        status.bindSource(m -> m.gauge("bad name", "", 1));
        status.bindSource(m -> m.gauge("gatehouse_extension_value", "From another bundle.", 7, "kind", "test"));
        Map<String, Double> m = Exposition.parse(get("/metrics").body());
        assertEquals(1.0, m.get("gatehouse_status_source_failures_total"));
        assertEquals(7.0, m.get("gatehouse_extension_value{kind=\"test\"}"));
    }

    /** Each failing source gets its own line, naming its own first refusal, however often another fails. */
    @Test
    void eachFailingSourceIsLoggedWithItsOwnRefusal() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        MetricsSource first = m -> m.gauge("first bad name", "", 1);
        MetricsSource second = m -> m.gauge("gatehouse_extension_value", "", 1, "k", "v", "k", "w");
        status.bindSource(first);
        status.bindSource(second);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            get("/metrics");
            get("/metrics");
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("metrics source")).toList();
        assertEquals(2, lines.size(), captured.toString(StandardCharsets.UTF_8));
        assertTrue(lines.get(0).contains(first.getClass().getName()) && lines.get(0).contains("invalid metric name 'first bad name'"), lines.get(0));
        assertTrue(lines.get(1).contains(second.getClass().getName()) && lines.get(1).contains("label 'k' given twice"), lines.get(1));
    }

    /** A bundle context that keeps what is registered, as the framework would: service objects by interface. */
    private static final class Registry {
        final List<Object[]> services = new java.util.concurrent.CopyOnWriteArrayList<>();

        org.osgi.framework.BundleContext context() {
            ClassLoader loader = StatusComponentTest.class.getClassLoader();
            org.osgi.framework.Bundle bundle = (org.osgi.framework.Bundle) java.lang.reflect.Proxy.newProxyInstance(loader,
                    new Class<?>[] {org.osgi.framework.Bundle.class},
                    (b, m, a) -> m.getName().equals("getVersion") ? org.osgi.framework.Version.emptyVersion : null);
            return (org.osgi.framework.BundleContext) java.lang.reflect.Proxy.newProxyInstance(loader,
                    new Class<?>[] {org.osgi.framework.BundleContext.class}, (c, m, a) -> switch (m.getName()) {
                        case "getBundle" -> bundle;
                        case "registerService" -> {
                            Object[] entry = {a[0], a[1]};
                            services.add(entry);
                            yield java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {org.osgi.framework.ServiceRegistration.class},
                                    (r, rm, ra) -> {
                                        if (rm.getName().equals("unregister")) {
                                            services.remove(entry);
                                        }
                                        return null;
                                    });
                        }
                        default -> null;
                    });
        }

        List<String> problems() {
            return services.stream().filter(e -> e[0] == org.gatehouse.core.Problem.class)
                    .map(e -> ((org.gatehouse.core.Problem) e[1]).text()).toList();
        }
    }

    /** Runs {@code action}, returning its ERROR lines from the log. */
    private static List<String> errorsLogged(Runnable action) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("ERROR")).toList();
    }

    @Test
    void withNoStatusListenerOpenTheLogSaysSoAndStatusListsAProblemUntilOneOpens() throws Exception {
        Registry registry = new Registry();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            List<String> errors = errorsLogged(() -> {
                status = new StatusComponent();
                status.loops = loops;
                status.managementNetworks = LOOPBACK;
                status.activate(registry.context(), Map.of("listen", "127.0.0.1:" + port));
            });
            assertTrue(status.bound().isEmpty());
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).contains("listen: cannot open 127.0.0.1:" + port + ": "), errors.get(0));
            assertTrue(errors.get(0).endsWith("; no status listener is open"), errors.get(0));
            List<String> problems = registry.problems();
            assertEquals(1, problems.size(), problems.toString());
            // Begins with the file and key, as every Problem about a configuration file does.
            assertTrue(problems.get(0).startsWith("configuration org.gatehouse.status: listen: cannot open 127.0.0.1:" + port + " ("),
                    problems.get(0));
            assertTrue(problems.get(0).endsWith("; no status listener is open, so metrics and the status page are not served"),
                    problems.get(0));
            assertEquals(problems.get(0), status.problem());
        }
        // One more that cannot be had leaves the others serving, and is a Problem until it opens or leaves listen.
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            List<String> errors = errorsLogged(() -> status.modified(Map.of("listen", "127.0.0.1:0, 127.0.0.1:" + port)));
            assertEquals(1, status.bound().size());
            assertTrue(errors.get(0).endsWith("; the other status listeners keep serving"), errors.get(0));
            List<String> problems = registry.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("configuration org.gatehouse.status: listen: cannot open 127.0.0.1:" + port + " ("),
                    problems.get(0));
            assertTrue(problems.get(0).endsWith("; metrics and the status page are served on 127.0.0.1:" + port() + " only"),
                    problems.get(0));
            status.modified(Map.of("listen", "127.0.0.1:" + port()));
        }
        assertEquals(List.of(), registry.problems());
        assertEquals(null, status.problem());
        status.deactivate();
        status = null;
        assertEquals(List.of(), registry.services, "everything registered is gone with the component");
    }

    /**
     * A port another program held when the file applied opens once it is free, without the file being
     * touched: tried again meanwhile without a new ERROR, and the Problem goes when it opens.
     */
    @Test
    void aListenPortInUseOpensOnceItIsFree() throws Exception {
        Registry registry = new Registry();
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            status = new StatusComponent();
            status.loops = loops;
            status.managementNetworks = LOOPBACK;
            status.retryMillis = 200;
            status.activate(registry.context(), Map.of("listen", "127.0.0.1:" + port));
            assertTrue(status.bound().isEmpty());
            assertEquals(1, registry.problems().size());
            List<String> errors = errorsLogged(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertEquals(List.of(), errors, "tried again without a new ERROR");
            assertTrue(status.bound().isEmpty());
            assertEquals(1, registry.problems().size());
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (status.bound().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(1, status.bound().size(), "opened within 15 s of the port being free");
        assertEquals(port, port());
        assertEquals(200, get("/metrics").statusCode());
        assertEquals(List.of(), registry.problems());
        assertEquals(null, status.problem());
    }

    @Test
    void anEmptyListenIsOffOnPurposeNotAProblem() {
        Registry registry = new Registry();
        status = new StatusComponent();
        status.loops = loops;
        status.managementNetworks = LOOPBACK;
        status.activate(registry.context(), Map.of("listen", ""));
        assertEquals(List.of(), registry.problems());
    }

    @Test
    void anAddressListedTwiceIsRefusedWithOneLineAndTheListenerInForceStays() throws Exception {
        activate(LOOPBACK, Map.of("listen", "127.0.0.1:0"));
        int before = port();
        List<String> errors = errorsLogged(() -> status.modified(Map.of("listen", "127.0.0.1:" + before + ", 127.0.0.1:" + before)));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).endsWith(" - configuration org.gatehouse.status: listen = '127.0.0.1:" + before
                + "' is listed twice; the status listener stays on 127.0.0.1:" + before), errors.get(0));
        assertEquals(1, status.bound().size());
        assertEquals(200, get("/metrics").statusCode());
    }

    /** Logged only, a refused file would soon be out of sight while gatehouse:status says "All well.". */
    @Test
    void aRefusedFileIsAProblemUntilAGoodOneIsTaken() throws Exception {
        Registry registry = new Registry();
        errorsLogged(() -> {
            status = new StatusComponent();
            status.loops = loops;
            status.managementNetworks = LOOPBACK;
            status.activate(registry.context(), Map.of("listen", "127.0.0.1:0", "page-refresh", "-1"));
        });
        assertEquals(List.of("configuration org.gatehouse.status: page-refresh = '-1' is out of range (0 to 3600);"
                + " using the built-in default listen = 127.0.0.1:9090 until the file is fixed (none of its changes apply meanwhile)"),
                registry.problems());
        status.deactivate();
        assertEquals(List.of(), registry.problems(), "none left behind");

        Registry live = new Registry();
        status = new StatusComponent();
        status.loops = loops;
        status.managementNetworks = LOOPBACK;
        status.activate(live.context(), Map.of("listen", "127.0.0.1:0"));
        int port = port();
        errorsLogged(() -> status.modified(Map.of("listen", "127.0.0.1:" + port + ", 127.0.0.1:" + port)));
        assertEquals(List.of("configuration org.gatehouse.status: listen = '127.0.0.1:" + port + "' is listed twice;"
                + " the status listener stays on 127.0.0.1:" + port + " until the file is fixed (none of its changes apply meanwhile)"),
                live.problems());
        assertEquals(live.problems().get(0), status.refusal());
        status.modified(Map.of("listen", "127.0.0.1:" + port));
        assertEquals(List.of(), live.problems(), "over once a good file is taken");
    }

    private String raw(String request) throws IOException {
        return rawTo(port(), request);
    }

    /** Sends bytes as they are and reads until the server closes (or 5 s pass): "" when refused or closed unanswered. */
    private static String rawTo(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            } catch (IOException refused) {
                return "";
            }
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } catch (IOException closed) {
                // The server may close before everything is written; what it answered is still readable.
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    if (out.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (IOException reset) {
                // connection reset: whatever arrived stands
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** promtool (Debian package prometheus) lints the exposition when it is on the PATH; skipped with a reason otherwise. */
    static final class Promtool {
        static void check(String text) throws Exception {
            String tool = System.getenv().getOrDefault("PROMTOOL", "promtool");
            Process p;
            try {
                p = new ProcessBuilder(tool, "check", "metrics").redirectErrorStream(true).start();
            } catch (IOException missing) {
                System.out.println("promtool not found (" + tool + "): exposition checked by the test's own parser only");
                return;
            }
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
        }
    }
}
