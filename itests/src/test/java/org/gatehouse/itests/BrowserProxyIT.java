package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A browser through the HTTPS front door: headless Chromium loads a conferencing web app's page from a
 * loopback node behind Gatehouse's proxy, and in the browser an EventSource receives the node's events
 * and a WebSocket echoes through the proxy, a message of 70,000 bytes among them.
 */
class BrowserProxyIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("Gatehouse \\S+ started in .*");
    private static final Pattern HTTPS_LISTENING = Pattern.compile(".*TLS: https listening on 127\\.0\\.0\\.1:(\\d+).*");

    @TempDir
    Path dir;

    @Test
    void anEventStreamAndAWebSocketWorkInTheBrowserThroughTheProxy() throws Exception {
        String missing = Chromium.unavailable();
        if (missing != null) {
            System.out.println("SKIPPED BrowserProxyIT: " + missing);
        }
        assumeTrue(missing == null, missing);
        byte[] page;
        try (InputStream in = BrowserProxyIT.class.getResourceAsStream("proxy.html")) {
            page = in.readAllBytes();
        }
        try (EventNode node = new EventNode(page)) {
            Path home = Distribution.copyTo(dir.resolve("gatehouse"));
            Path pool = home.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
            String cfg = Files.readString(pool).replace("\ntls = true\n", "\ntls = false\n")
                    .replaceAll("(?m)^nodes\\s*=.*$", "nodes = " + node.address());
            assertTrue(cfg.contains("\ntls = false\n") && cfg.contains("\nnodes = 127.0.0.1:"), cfg);
            Files.writeString(pool, cfg);
            try (Server server = Server.start(home)) {
                String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
                assertTrue(!started.contains("NOT active"), started + "\n" + server.output());
                Matcher https = HTTPS_LISTENING.matcher(server.awaitOutput(l -> HTTPS_LISTENING.matcher(l).matches(), WAIT));
                assertTrue(https.matches());
                String url = "https://127.0.0.1:" + https.group(1) + "/page.html";
                Map<String, List<String>> report = load(url, node, home);
                String all = report.toString();
                assertEquals(null, report.get("error"), all);
                assertEquals(List.of(url), report.get("page"), all);
                assertEquals(List.of("complete"), report.get("events-end"), all);
                assertEquals(List.of("0 1 2 3 4"), report.get("events"), all);
                assertEquals(List.of("complete"), report.get("websocket-end"), all);
                assertEquals(List.of("21"), report.get("echoes"), all);
                assertEquals(List.of("true"), report.get("echoes-equal"), all);
                assertEquals(List.of("70000"), report.get("largest-echo"), all);
                assertTrue(node.requests.stream().anyMatch(r -> r.startsWith("/api/events ")), node.requests.toString());
                assertTrue(node.requests.stream().anyMatch(r -> r.startsWith("/api/echo ")), node.requests.toString());
                assertEquals(0, server.terminate(), server.output());
            }
        }
    }

    /** The page's report, once the node has it; the browser trusts Gatehouse's certificate by its key. */
    private Map<String, List<String>> load(String url, EventNode node, Path home) throws Exception {
        long start = System.nanoTime();
        try (Chromium browser = Chromium.open(url, Files.createTempDirectory(dir, "chromium"), Duration.ofSeconds(60),
                Chromium.trusting(home.resolve("data/tls/self-signed.pem")))) {
            String text;
            try {
                text = node.report.get(45, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the page did not report within 45 s; Chromium said:\n" + browser.output());
            }
            Map<String, List<String>> report = TestPage.parse(text);
            System.out.println("BrowserProxyIT: " + url + " in " + (System.nanoTime() - start) / 1_000_000 + " ms: " + report);
            return report;
        }
    }
}
