package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped server's metrics endpoint and status page: Prometheus text whose counters move as curl
 * sends requests through the proxy to a loopback node, a page with the same facts, and a source outside
 * the management networks disconnected once the operator narrows them.
 */
class StatusEndpointIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern STATUS_LISTENING = Pattern.compile(".*Status: metrics and status page on http://127\\.0\\.0\\.1:(\\d+)/.*");
    private static final Pattern HTTPS_LISTENING = Pattern.compile(".*TLS: https listening on 127\\.0\\.0\\.1:(\\d+).*");
    private static final Pattern LINE = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*"
            + "|[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\")*\\})? "
            + "(NaN|[+-]Inf|-?[0-9.]+(E[+-]?[0-9]+)?)");

    @TempDir
    Path dir;

    private HttpServer node;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.stop(0);
        }
    }

    @Test
    void metricsFollowTrafficThePageDescribesTheServerAndOutsidersAreRefused() throws Exception {
        assumeTrue(new java.io.File("/usr/bin/curl").canExecute(), "curl is not installed (Debian package curl)");
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/", x -> {
            byte[] body = "node".getBytes(StandardCharsets.UTF_8);
            // A conferencing node's answer to a wrong PIN: what the ban counts.
            boolean wrongPin = x.getRequestMethod().equals("POST") && x.getRequestURI().getPath().endsWith("/request_token")
                    && !"1234".equals(x.getRequestHeaders().getFirst("pin"));
            x.sendResponseHeaders(wrongPin ? 403 : 200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        node.start();
        String nodeAddress = "127.0.0.1:" + node.getAddress().getPort();

        Path home = Distribution.copyTo(dir.resolve("gatehouse"));
        Path pool = home.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
        Files.writeString(pool, Files.readString(pool).replace("\ntls = true\n", "\ntls = false\n")
                .replaceAll("(?m)^nodes\\s*=.*$", "nodes = " + nodeAddress));
        // Loopback is a management network (the scrapes come from it), so it must not be exempt for the ban to be seen.
        Path ban = home.resolve("etc/org.gatehouse.ban.cfg");
        Files.writeString(ban, Files.readString(ban).replaceAll("(?m)^max-failures\\s*=.*$", "max-failures = 3")
                .replaceAll("(?m)^exempt-management-networks\\s*=.*$", "exempt-management-networks = false"));

        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> l.contains(" started in "), WAIT);
            int status = port(server, STATUS_LISTENING);
            int https = port(server, HTTPS_LISTENING);

            Map<String, Double> before = scrape(status);
            List<String> urls = new ArrayList<>(List.of("/usr/bin/curl", "-sk", "--max-time", "20"));
            for (int i = 0; i < 12; i++) {
                urls.add("-o");
                urls.add("/dev/null");
                urls.add("https://127.0.0.1:" + https + "/api/client/v2/status?n=" + i);
            }
            Process curl = new ProcessBuilder(urls).redirectErrorStream(true).start();
            assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
            Map<String, Double> after = scrape(status);

            String series = "{pool=\"conferencing\",node=\"" + nodeAddress + "\"}";
            assertEquals(1.0, after.get("gatehouse_proxy_node_up" + series), after.toString());
            assertEquals(12.0, after.get("gatehouse_proxy_node_requests_total" + series)
                    - before.getOrDefault("gatehouse_proxy_node_requests_total" + series, 0.0), after.toString());
            String ok = "gatehouse_http_responses_total{listener=\"https\",code=\"200\"}";
            assertEquals(12.0, after.get(ok) - before.getOrDefault(ok, 0.0), after.toString());
            assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("gatehouse_certificate_not_after_seconds{subject=")),
                    after.toString());
            assertEquals(0.0, after.get("gatehouse_turn_allocations"));
            assertTrue(after.containsKey("gatehouse_stun_binding_requests_total"), after.toString());
            assertEquals(1.0, after.get("gatehouse_listener{name=\"status\",protocol=\"tcp\",address=\"127.0.0.1:" + status + "\"}"));
            assertEquals(0.0, after.get("gatehouse_status_source_failures_total"));
            // The PIN ban and LDAP report although nothing happened yet; nothing was logged as an error.
            assertEquals(0.0, after.get("gatehouse_ban_active"), after.toString());
            assertEquals(0.0, after.get("gatehouse_ban_bans_total"), after.toString());
            assertEquals(1.0, after.get("gatehouse_ban_enabled"), after.toString());
            assertEquals(0.0, after.get("gatehouse_ldap_logins_accepted_total"), after.toString());
            assertEquals(0.0, after.get("gatehouse_ldap_unavailable_total"), after.toString());
            assertFalse(after.containsKey("gatehouse_ldap_directory_reachable"), "no directory asked: " + after);
            assertEquals(0.0, after.get("gatehouse_log_events_total{level=\"error\"}"), after.toString());

            HttpResponse<String> page = get(status, "/");
            assertEquals(200, page.statusCode());
            for (String block : List.of("<h2>Listeners</h2>", "<h2>Certificate</h2>", "<h2>Proxy</h2>", "<h2>TURN</h2>", "<h2>STUN</h2>",
                    "<h2>HTTPS</h2>", nodeAddress)) {
                assertTrue(page.body().contains(block), block + " on the page:\n" + page.body());
            }
            assertEquals(404, get(status, "/nothing").statusCode());

            // Three wrong PINs ban loopback: the ban counters move, the next request gets 429.
            String token = "https://127.0.0.1:" + https + "/api/client/v2/conferences/meet/request_token";
            for (int i = 0; i < 3; i++) {
                assertEquals("403", curlStatus("-X", "POST", "-H", "pin: 000" + i, token));
            }
            assertEquals("429", curlStatus(token.replace("request_token", "status")));
            Map<String, Double> banned = scrape(status);
            assertEquals(1.0, banned.get("gatehouse_ban_active"), banned.toString());
            assertEquals(1.0, banned.get("gatehouse_ban_bans_total"), banned.toString());
            assertEquals(3.0, banned.get("gatehouse_ban_failures_total"), banned.toString());
            assertEquals(1.0, banned.get("gatehouse_ban_refused_total"), banned.toString());
            assertTrue(get(status, "/").body().contains("1 banned, 0 counting"));

            // The operator narrows the management networks: loopback is now an outsider, disconnected at accept.
            Path core = home.resolve("etc/org.gatehouse.core.cfg");
            String shipped = Files.readString(core);
            ConfigFile.replace(core, shipped.replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.40.0.0/16"));
            server.awaitLog(l -> l.contains("management networks now 10.40.0.0/16"), 1, WAIT);
            assertEquals("", raw(status), "nothing answered outside the management networks");
            assertEquals("", raw(status));
            List<String> refused = server.awaitLog(l -> l.contains("Status: refused a connection from 127.0.0.1"), 1, WAIT);
            Thread.sleep(500);
            assertEquals(1, server.log().stream().filter(l -> l.contains("Status: refused")).count(), "one line: " + refused);

            assertEquals(0, server.terminate(), server.output());
            assertFalse(server.log().stream().anyMatch(l -> l.contains(" ERROR ")), String.join("\n", server.log()));
        }
    }

    /** The HTTP status code curl got for {@code args}. */
    private static String curlStatus(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sk", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    private static int port(Server server, Pattern pattern) throws Exception {
        String line = server.awaitLog(l -> pattern.matcher(l).matches(), 1, WAIT).get(0);
        Matcher m = pattern.matcher(line);
        assertTrue(m.matches());
        return Integer.parseInt(m.group(1));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One scrape, every line checked against the exposition format; samples by series. */
    private Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = get(port, "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        String unavailable = PrometheusText.unavailable();
        List<String> parsed = unavailable == null ? PrometheusText.parse(r.body()) : null;
        if (unavailable != null) {
            System.out.println("[StatusEndpointIT] " + unavailable + "; the scrape is checked by the line pattern only");
        }
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            assertTrue(LINE.matcher(line).matches(), "exposition line: '" + line + "'");
            if (!line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                String value = line.substring(space + 1);
                assertEquals(null, samples.put(line.substring(0, space), value.equals("NaN") ? Double.NaN
                        : value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("-Inf") ? Double.NEGATIVE_INFINITY
                        : Double.parseDouble(value)), "no duplicate series: " + line);
            }
        }
        if (parsed != null) {
            assertEquals(samples.size(), parsed.size(), "the Prometheus parser read every sample: " + parsed);
            assertTrue(parsed.contains("counter gatehouse_turn_relayed_packets_total"), "typed as a counter: " + parsed);
        }
        return samples;
    }

    /** A raw connection's answer to a GET: "" when the server closes without answering. */
    private static String raw(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (IOException reset) {
                return "";
            }
        }
    }
}
