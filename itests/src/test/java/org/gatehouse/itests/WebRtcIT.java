package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real WebRTC stack through the relay: headless Chromium runs two RTCPeerConnections in one page,
 * both with {@code iceTransportPolicy: 'relay'} and Gatehouse as their only ICE server, so every
 * packet between them goes client, relay, relay, client. A data channel carries 200 messages (all
 * must arrive, in order) and a video track of Chromium's fake camera is decoded on the other side.
 * Over UDP, TCP and TLS, with a user of the user file and with TURN REST API credentials; a wrong
 * password gets no relay candidate. The server's metrics must show the traffic the page saw.
 */
class WebRtcIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("Gatehouse \\S+ started in .*");
    private static final Pattern STATUS_LISTENING = Pattern.compile(".*Status: metrics and status page on http://127\\.0\\.0\\.1:(\\d+)/.*");
    private static final Pattern TWO_NUMBERS = Pattern.compile("(-?\\d+) (-?\\d+)");
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret";
    private static final String SECRET = "webrtc-it-secret";
    private static final int MESSAGES = 200;
    /** Chromium's fake camera sends 15 frames a second here: over 2 s, 10 decoded frames is a floor a busy CI machine still meets. */
    private static final int VIDEO_MS = 2000;
    private static final int MIN_FRAMES = 10;

    @TempDir
    static Path dir;

    private static Server server;
    private static int port;
    private static int tlsPort;
    private static int statusPort;
    /** The flag that makes Chromium trust the certificate Gatehouse serves TURN over TLS with. */
    private static String trustingTheCertificate;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startGatehouse() throws Exception {
        String missing = Chromium.unavailable();
        if (missing != null) {
            System.out.println("SKIPPED WebRtcIT: " + missing);
        }
        assumeTrue(missing == null, missing);
        Path home = Distribution.copyTo(dir.resolve("gatehouse"));
        port = freeUdpAndTcpPort();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tlsPort = s.getLocalPort();
        }
        Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"),
                "listen = 127.0.0.1:" + port + "\ntls-listen = 127.0.0.1:" + tlsPort + "\n");
        Path turnCfg = home.resolve("etc/org.gatehouse.turn.cfg");
        // Loopback peers are denied by default: both relayed addresses are 127.0.0.1, so the operator allows it.
        String cfg = Files.readString(turnCfg).replace("#relay-ip = 10.40.0.5", "relay-ip = 127.0.0.1")
                .replace("#allowed-peer-ip = 10.40.0.0/24", "allowed-peer-ip = 127.0.0.1")
                .replace("#use-auth-secret = true", "use-auth-secret = true")
                .replace("#static-auth-secret = change-me", "static-auth-secret = " + SECRET)
                .replace("min-port = 49152", "min-port = 62000").replace("max-port = 65535", "max-port = 62999");
        for (String key : List.of("relay-ip = 127.0.0.1", "allowed-peer-ip = 127.0.0.1", "use-auth-secret = true", "min-port = 62000")) {
            assertTrue(cfg.contains("\n" + key), "the shipped etc/org.gatehouse.turn.cfg has the key of " + key);
        }
        Files.writeString(turnCfg, cfg);
        // The user file's documented line: user:0x<MD5 of user:realm:password>, as coturn's turnadmin -k prints it.
        byte[] key = MessageDigest.getInstance("MD5").digest((USER + ":gatehouse:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        Files.writeString(home.resolve("etc/turn-users"), USER + ":0x" + HexFormat.of().formatHex(key) + "\n",
                StandardOpenOption.APPEND);

        server = Server.start(home);
        String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
        assertTrue(started.contains(" listening sockets") && !started.contains("NOT active"), started + "\n" + server.output());
        Matcher status = STATUS_LISTENING.matcher(server.awaitOutput(l -> STATUS_LISTENING.matcher(l).matches(), WAIT));
        assertTrue(status.matches());
        statusPort = Integer.parseInt(status.group(1));
        server.awaitOutput(l -> l.contains("STUN listening on tls 127.0.0.1:" + tlsPort), WAIT);
        trustingTheCertificate = Chromium.trusting(home.resolve("data/tls/self-signed.pem"));
    }

    @AfterAll
    static void stopGatehouse() throws Exception {
        if (server != null) {
            try {
                assertEquals(0, server.terminate(), server.output());
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aCallRelayedOverUdpWithAUserOfTheUserFile() throws Exception {
        relayedCall("turn:127.0.0.1:" + port + "?transport=udp", USER, PASSWORD, "udp");
    }

    @Test
    void aCallRelayedOverTcp() throws Exception {
        relayedCall("turn:127.0.0.1:" + port + "?transport=tcp", USER, PASSWORD, "tcp");
    }

    /**
     * Chromium verifies the certificate of a {@code turns:} server like a web site's: Gatehouse's
     * self-signed one fails (icecandidateerror 701, no candidate). It is trusted here by its key
     * alone ({@code --ignore-certificate-errors-spki-list}), which a wrong key does not pass.
     */
    @Test
    void aCallRelayedOverTlsWithTheServersCertificateTrusted() throws Exception {
        relayedCall("turns:127.0.0.1:" + tlsPort + "?transport=tcp", USER, PASSWORD, "tls",
                trustingTheCertificate);
    }

    @Test
    void aCallRelayedWithRestApiCredentials() throws Exception {
        String user = (System.currentTimeMillis() / 1000 + 3600) + ":bob";
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String password = Base64.getEncoder().encodeToString(mac.doFinal(user.getBytes(StandardCharsets.UTF_8)));
        relayedCall("turn:127.0.0.1:" + port + "?transport=udp", user, password, "udp");
    }

    @Test
    void aWrongPasswordGetsNoRelayCandidate() throws Exception {
        String before = metrics();
        Map<String, List<String>> report = call("turn:127.0.0.1:" + port + "?transport=udp", USER, "wrong", false, r -> { });
        assertEquals(List.of("0 0"), report.get("gathered"), report.toString());
        assertEquals(List.of("false"), report.get("open"), report.toString());
        List<String> errors = report.getOrDefault("candidate-error", List.of());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("a ") && e.contains(" 401 "))
                && errors.stream().anyMatch(e -> e.startsWith("b ") && e.contains(" 401 ")), report.toString());
        String after = metrics();
        assertEquals(0, grew(before, after, "gatehouse_turn_allocations_created_total"), after);
        assertTrue(grew(before, after, "gatehouse_turn_auth_failures_total") >= 2, after);
    }

    /**
     * One call through two allocations of {@code user}, which Chromium makes over {@code transport};
     * the browser and the server's metrics must agree that the media went through the relay.
     */
    private void relayedCall(String url, String user, String password, String transport, String... flags) throws Exception {
        String before = metrics();
        int allocationsBefore = allocationLines(" for " + user + " from " + transport + " ");
        int deletedBefore = (int) server.log().stream().filter(l -> endedByTheClient(l, user, transport)).count();
        call(url, user, password, true, report -> relayed(report, user, transport, before, allocationsBefore, deletedBefore), flags);
    }

    /** The checks of {@link #relayedCall}, made while Chromium still runs (it is killed after them). */
    private void relayed(Map<String, List<String>> report, String user, String transport, String before, int allocationsBefore,
            int deletedBefore) throws Exception {
        String all = report.toString();

        assertEquals(null, report.get("error"), all);
        // One relay candidate, so one allocation, per network Chromium uses: loopback, and any other interface of the host.
        long[] gathered = twoNumbers(report, "gathered");
        assertTrue(gathered[0] >= 1 && gathered[1] >= 1, all);
        int allocations = (int) (gathered[0] + gathered[1]);
        for (String candidate : report.get("candidate")) {
            assertTrue(candidate.contains(" 127.0.0.1 ") && candidate.contains(" typ relay "), all);
        }
        assertEquals(List.of("true"), report.get("open"), all);
        assertEquals(List.of(String.valueOf(MESSAGES)), report.get("received"), all);
        assertEquals(List.of("true"), report.get("in-order"), all);
        assertTrue(report.get("selected").get(0).matches("relay " + transport + " 127\\.0\\.0\\.1:\\d+ -> relay 127\\.0\\.0\\.1:\\d+"), all);

        long[] frames = twoNumbers(report, "video-frames-decoded");
        assertTrue(frames[1] - frames[0] >= MIN_FRAMES, "frames decoded in " + VIDEO_MS + " ms: " + all);
        long[] videoBytes = twoNumbers(report, "video-bytes");
        assertTrue(videoBytes[1] > videoBytes[0], all);
        long[] videoPackets = twoNumbers(report, "video-packets");
        // Loopback and a relay that must lose nothing (as coturn's clients check in the interop tests).
        // Fewer than none lost is more received than expected, which is no loss: Chromium counts a
        // packet it got twice (one asked for again by a NACK, one its sender repeated on RTX, e.g. to
        // probe the bandwidth; CI saw -3 with no NACK) into what it received. That the relay itself
        // neither repeats nor reorders is TcpRelayOnceTest's, and the data channel's checks above.
        assertTrue(videoPackets[1] <= 0, "video packets lost: " + all);

        // Everything the receiving page got came to it from its relay, so the relay counted at least as much.
        String after = metrics();
        // Every candidate is an allocation here; Chromium may make more than it reports as candidates (a
        // TURN port it prunes on one network for the same server on another, left without a deletion,
        // or a TCP one closed at once), and how many depends on timing: 5 allocations for 4 candidates
        // was seen in one CI run of this test.
        long created = grew(before, after, "gatehouse_turn_allocations_created_total");
        assertTrue(created >= allocations, created + " allocations made for " + allocations + " relay candidates\n" + after);
        long messageBytes = 0;
        for (int i = 0; i < MESSAGES; i++) {
            messageBytes += ("message " + i).length();
        }
        long toClients = grew(before, after, "gatehouse_turn_relayed_bytes_total{direction=\"to_clients\"}");
        assertTrue(toClients >= videoBytes[1] + messageBytes, toClients + " bytes relayed to clients, the page received "
                + videoBytes[1] + " of video and " + messageBytes + " of messages\n" + after);
        assertTrue(grew(before, after, "gatehouse_turn_relayed_bytes_total{direction=\"to_peers\"}") >= videoBytes[1] + messageBytes, after);
        assertTrue(grew(before, after, "gatehouse_turn_relayed_packets_total{direction=\"to_clients\"}") >= videoPackets[0], after);
        server.awaitLog(l -> l.contains("TURN: allocation ") && l.contains(" for " + user + " from " + transport + " "), allocationsBefore + allocations, WAIT);
        // The page closes its connections before it reports: Chromium ends its allocations.
        server.awaitLog(l -> endedByTheClient(l, user, transport), deletedBefore + allocations, WAIT);
    }

    /**
     * Whether {@code line} logs the end of an allocation of {@code user} that the client asked for: a
     * Refresh with lifetime 0 or, over TCP and TLS, closing the connection (which ends the allocation, RFC 8656), which
     * Chromium sometimes does without the Refresh (seen in one CI run: three allocations deleted, the
     * fourth, the one that carried the call, ended by its connection closing in the same millisecond).
     */
    private static boolean endedByTheClient(String line, String user, String transport) {
        return line.contains("TURN: allocation ") && line.contains(" of " + user + " from " + transport + " ")
                && (line.contains(" ended (deleted by the client) ")
                        || !transport.equals("udp") && line.contains(" ended (connection closed) "));
    }

    /** What a test checks of the page's report while Chromium still runs. */
    interface ReportCheck {
        void check(Map<String, List<String>> report) throws Exception;
    }

    /**
     * Chromium's report of one call of the page in {@code webrtc.html}, after {@code check} has passed:
     * Chromium is killed only then, so that what it sends after the report (the deallocations of the
     * connections the page closed) is not cut short by the test.
     */
    private static Map<String, List<String>> call(String url, String user, String password, boolean video, ReportCheck check,
            String... flags) throws Exception {
        String config = "{\"urls\": " + TestPage.json(url) + ", \"username\": " + TestPage.json(user) + ", \"credential\": "
                + TestPage.json(password) + ", \"video\": " + video + ", \"messages\": " + MESSAGES
                + ", \"openWithinMs\": 15000, \"messagesWithinMs\": 10000, \"videoMs\": " + VIDEO_MS + "}";
        List<String> all = new ArrayList<>(List.of(flags));
        // Chromium's WebRTC leaves loopback interfaces out: on a host with no other interface (a CI
        // container, a network namespace) it would gather no candidate at all, and with one it
        // reaches 127.0.0.1 from that interface's address. This test switch makes it use loopback.
        all.add("--allow-loopback-in-peer-connection");
        long start = System.nanoTime();
        Path run = Files.createTempDirectory(dir, "chromium");
        try (TestPage page = new TestPage("webrtc.html", config);
                Chromium browser = Chromium.open(page.url(), run, Duration.ofSeconds(60), all.toArray(new String[0]))) {
            Map<String, List<String>> report = page.awaitReport(Duration.ofSeconds(45), browser);
            System.out.println("WebRtcIT: " + url + " as " + user + " in " + (System.nanoTime() - start) / 1_000_000 + " ms: " + report);
            check.check(report);
            return report;
        }
    }

    private static long[] twoNumbers(Map<String, List<String>> report, String key) {
        List<String> values = report.get(key);
        assertTrue(values != null && values.size() == 1, key + " in " + report);
        Matcher m = TWO_NUMBERS.matcher(values.get(0));
        assertTrue(m.matches(), key + " in " + report);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    /** Log lines about allocations with all of {@code parts}. */
    private static int allocationLines(String... parts) throws IOException {
        return (int) server.log().stream().filter(l -> l.contains("TURN: allocation ") && Stream.of(parts).allMatch(l::contains)).count();
    }

    private String metrics() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** How much the sample {@code name} (with its labels) grew from {@code before} to {@code after}. */
    private static long grew(String before, String after, String name) {
        return sample(after, name) - sample(before, name);
    }

    private static long sample(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + name + " in\n" + metrics);
    }

    private static int freeUdpAndTcpPort() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                    ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
                return udp.getLocalPort();
            } catch (IOException taken) {
                // that port's TCP side is in use: try another
            }
        }
        throw new IOException("no loopback port free for both UDP and TCP in 20 tries");
    }
}
