package org.gatehouse.ban.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ban through the real HTTPS front door, driven by curl from different loopback source addresses;
 * a test route plays the conferencing node, answering 403 to a token request with a wrong PIN.
 */
class BanFrontTest {

    static final String TOKEN = "/api/client/v2/conferences/meet/request_token";
    /** Token requests the node got with a delay header. */
    static final AtomicInteger pinsTried = new AtomicInteger();

    @TempDir
    static Path home;
    static TestFront front;
    static BanComponent ban;
    static String base;

    /**
     * The conferencing node: PIN 1234 gets a token, any other 403; /api/forbidden is always 403. It reads
     * paths as ordinary HTTP servers do, percent escapes decoded, {@code ;parameters} dropped, repeated
     * slashes and dot segments resolved, and (as IIS) in any letter case.
     */
    static final HttpRoute NODE = x -> {
        String delay = x.request().headers().get("delay");
        if (delay != null) {
            x.request().headers().remove("delay");
            pinsTried.incrementAndGet();
            // As the proxy does, nothing is answered to a client that is gone.
            x.eventLoop().schedule(() -> {
                if (x.channel().isActive()) {
                    BanFrontTest.NODE.handle(x);
                }
            }, Long.parseLong(delay), TimeUnit.MILLISECONDS);
            return;
        }
        if (x.request().headers().contains("slow-403")) {
            // The head and a first part at once, the end 3 s later: a client can see 403 and leave.
            x.head(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN));
            x.write(new DefaultHttpContent(Unpooled.copiedBuffer("{\"status\":", StandardCharsets.US_ASCII)));
            x.eventLoop().schedule(() -> {
                if (x.channel().isActive()) {
                    x.end(new DefaultLastHttpContent(Unpooled.copiedBuffer("\"success\"}", StandardCharsets.US_ASCII)));
                }
            }, 3, TimeUnit.SECONDS);
            return;
        }
        String read = URI.create("http://node" + x.path().replaceAll(";[^/]*", "").replaceAll("/{2,}", "/")).normalize().getPath()
                .toLowerCase(Locale.ROOT);
        boolean tokenRequest = x.request().method().equals(HttpMethod.POST) && (read.endsWith("/request_token") || read.endsWith("/request_token/"));
        boolean noPinNeeded = x.request().headers().contains("no-pin-conference");
        if (x.path().startsWith("/api/forbidden") || tokenRequest && !noPinNeeded && !"1234".equals(x.request().headers().get("pin"))) {
            x.respond(HttpResponseStatus.FORBIDDEN, "application/json", "{\"status\":\"success\",\"result\":\"Invalid PIN\"}");
        } else {
            x.respond(HttpResponseStatus.OK, "application/json", "{\"status\":\"success\"}");
        }
    };

    @BeforeAll
    static void start() {
        front = new TestFront(home);
        ban = new BanComponent();
        ban.managementNetworks = () -> AddressSet.parse(List.of("127.0.0.3"));
        ban.activate(null, settings());
        front.filter(ban, Map.of());
        front.route(NODE, Map.of(HttpRoute.PREFIX, "/api/"));
        base = "https://127.0.0.1:" + front.port();
    }

    @AfterAll
    static void stop() {
        if (ban != null) {
            ban.deactivate();
        }
        if (front != null) {
            front.close();
        }
    }

    @BeforeEach
    void freshTable() {
        ban.modified(Map.of("enabled", "false"));
        ban.modified(settings());
    }

    static Map<String, Object> settings(String... more) {
        Map<String, Object> p = new HashMap<>(Map.of("max-failures", "3", "find-time", "60", "ban-time", "2"));
        for (int i = 0; i < more.length; i += 2) {
            p.put(more[i], more[i + 1]);
        }
        return p;
    }

    /** Status code and Retry-After of one request from source address {@code from}. */
    static String request(String from, String method, String path, String... headers) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sk", "--path-as-is", "--max-time", "10", "--interface", from, "-X", method,
                "-o", "/dev/null", "-w", "%{http_code} %header{retry-after}"));
        for (String h : headers) {
            cmd.addAll(List.of("-H", h));
        }
        if (method.equals("POST")) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data", "{\"display_name\":\"guest\"}"));
        }
        cmd.add(base + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    /**
     * Requests from {@code from} all sent at once (one curl each, in parallel, {@code maxTime} seconds
     * at most): the status code and Retry-After of each.
     */
    static List<String> atOnce(int n, String from, String maxTime, String... headers) throws Exception {
        List<Process> running = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sk", "--max-time", maxTime, "--interface", from, "-X", "POST", "-o",
                        "/dev/null", "-w", "%{http_code} %header{retry-after}", "-H", "Content-Type: application/json", "--data", "{}"));
                for (String h : headers) {
                    cmd.addAll(List.of("-H", h));
                }
                cmd.add(base + TOKEN);
                running.add(new ProcessBuilder(cmd).redirectErrorStream(true).start());
            }
            List<String> out = new ArrayList<>();
            for (Process p : running) {
                out.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
                assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            running.forEach(Process::destroyForcibly);
        }
    }

    /**
     * Wrong PINs sent at once on many connections: each one under way counts against max-failures until
     * answered, so no more reach the node than would ban the address; the others get 429 at once.
     */
    @Test
    void pinsTriedAtOnceCannotPassTheLimit() throws Exception {
        pinsTried.set(0);
        List<String> answers = atOnce(12, "127.0.0.40", "10", "pin: 0000", "delay: 800");
        assertEquals(3, pinsTried.get(), answers.toString());
        assertEquals(3, answers.stream().filter("403"::equals).count(), answers.toString());
        assertEquals(9, answers.stream().filter(a -> a.startsWith("429 ")).count(), answers.toString());
        assertEquals("429 2", request("127.0.0.40", "GET", "/api/x"), "banned by the three");
        assertEquals(0, ban.table().attemptsUnderWay());

        // One failure counted: two more may go at once.
        wrongPins("127.0.0.41", 1);
        pinsTried.set(0);
        answers = atOnce(6, "127.0.0.41", "10", "pin: 0000", "delay: 800");
        assertEquals(2, pinsTried.get(), answers.toString());
        assertEquals(2, answers.stream().filter("403"::equals).count(), answers.toString());
        assertEquals(4, answers.stream().filter(a -> a.startsWith("429 ")).count(), answers.toString());
    }

    /** Joins without a PIN (every join asks for a token) are not held back by the PIN failures of their address. */
    @Test
    void joinsWithoutAPinAreNotCountedAsUnderWay() throws Exception {
        wrongPins("127.0.0.44", 2);
        List<String> answers = atOnce(5, "127.0.0.44", "10", "no-pin-conference: yes", "delay: 500");
        assertEquals(List.of("200", "200", "200", "200", "200"), answers);
    }

    /**
     * Every join of a PIN-protected conference first asks for a token without a PIN and gets 403 (PIN
     * required): people joining one meeting from behind one address (an office's NAT) are not banned
     * for it, and wrong PINs from that address still are.
     */
    @Test
    void tokenRequestsWithoutAPinAreNotFailures() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertEquals("403", request("127.0.0.45", "POST", TOKEN), "join " + (i + 1) + ", no PIN yet");
            assertEquals("200", request("127.0.0.45", "POST", TOKEN, "pin: 1234"), "join " + (i + 1) + " with its PIN");
        }
        assertTrue(ban.failures().isEmpty(), ban.failures().toString());
        wrongPins("127.0.0.45", 3);
        assertEquals("429 2", request("127.0.0.45", "POST", TOKEN));
    }

    /** An attempt whose client left before the answer counts no more: the address is not held back by attempts long given up. */
    @Test
    void anAttemptTheClientGaveUpIsNoLongerUnderWay() throws Exception {
        atOnce(3, "127.0.0.42", "0.5", "pin: 1234", "delay: 1500");
        assertTrue(within(1, () -> ban.table().attemptsUnderWay() == 0), "attempts under way: " + ban.table().attemptsUnderWay());
        wrongPins("127.0.0.42", 1);
    }

    /** A client that closes on seeing a 403's head, before its body ends, has still tried a wrong PIN. */
    @Test
    void aWrongPinCountsThoughTheClientLeavesBeforeTheAnswerEnds() throws Exception {
        for (int i = 0; i < 3; i++) {
            atOnce(1, "127.0.0.43", "0.5", "slow-403: yes", "pin: 0000");
        }
        assertTrue(within(1, () -> !ban.bans().isEmpty()), ban.failures().toString());
        assertEquals("127.0.0.43", ban.bans().get(0).address());
        assertEquals(0, ban.table().attemptsUnderWay());
    }

    static void wrongPins(String from, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertEquals("403", request(from, "POST", TOKEN, "pin: 0000"), "wrong PIN " + (i + 1));
        }
    }

    @Test
    void afterThreeWrongPinsEveryRequestGets429UntilTheBanExpires() throws Exception {
        wrongPins("127.0.0.11", 3);
        assertEquals("429 2", request("127.0.0.11", "GET", "/api/client/v2/conferences/meet/status"));
        assertEquals("429 2", request("127.0.0.11", "POST", TOKEN, "pin: 1234"), "even the right PIN");
        assertEquals("200", request("127.0.0.12", "GET", "/api/client/v2/conferences/meet/status"), "another address");
        assertEquals("127.0.0.11", ban.bans().get(0).address());
        assertEquals(3, ban.bans().get(0).failures());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String answer;
        do {
            Thread.sleep(200);
            answer = request("127.0.0.11", "GET", "/api/client/v2/conferences/meet/status");
        } while (!answer.equals("200") && System.nanoTime() < deadline);
        assertEquals("200", answer, "served again once the 2 s ban ended");
        assertTrue(ban.bans().isEmpty());
    }

    /** A node that decodes paths answers 403 to every spelling of request_token: each counts, or a guesser respells and is never banned. */
    @Test
    void everySpellingANodeMayTakeForATokenRequestCounts() throws Exception {
        String conference = "/api/client/v2/conferences/meet/";
        List<String> spellings = List.of("request%5Ftoken", "REQUEST_TOKEN", "request_token;x", "request_token/.", "request_token//",
                "request%5ftoken;jsessionid=1/");
        int address = 20;
        for (String spelling : spellings) {
            String from = "127.0.0." + address++;
            for (int i = 0; i < 3; i++) {
                assertEquals("403", request(from, "POST", conference + spelling, "pin: 0000"), spelling + ", wrong PIN " + (i + 1));
            }
            assertEquals("429 2", request(from, "POST", conference + spelling, "pin: 0000"), spelling + " banned after 3");
        }
        String from = "127.0.0." + address;
        assertEquals("403", request(from, "POST", conference + "Request_Token", "pin: 0000"));
        assertEquals("403", request(from, "POST", conference + "x/../request_token", "pin: 0000"));
        assertEquals("403", request(from, "POST", TOKEN + "?pin=1", "pin: 0000"));
        assertEquals("429 2", request(from, "GET", "/api/x"), "three spellings, one guesser");
    }

    @Test
    void onlyForbiddenTokenRequestsCount() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals("403", request("127.0.0.14", "POST", "/api/forbidden/request_tokens"));
            assertEquals("403", request("127.0.0.14", "GET", "/api/forbidden/request_token"));
            assertEquals("200", request("127.0.0.14", "POST", TOKEN, "pin: 1234"));
        }
        assertEquals("200", request("127.0.0.14", "GET", "/api/client/v2/conferences/meet/status"));
        assertTrue(ban.failures().isEmpty(), ban.failures().toString());
        wrongPins("127.0.0.14", 2);
        assertEquals(2, ban.failures().get(0).failures());
    }

    @Test
    void removeLiftsTheBanAtOnce() throws Exception {
        ban.modified(settings("ban-time", "300"));
        wrongPins("127.0.0.13", 3);
        assertEquals("429 300", request("127.0.0.13", "GET", "/api/x"));
        assertTrue(ban.remove("127.0.0.13"));
        assertEquals("200", request("127.0.0.13", "GET", "/api/x"));
        assertTrue(ban.statistics().bansSinceStart() >= 1);
        assertTrue(ban.statistics().refusedSinceStart() >= 1);
    }

    @Test
    void aManagementNetworkIsExemptUnlessConfiguredOtherwise() throws Exception {
        wrongPins("127.0.0.3", 6);
        assertEquals("200", request("127.0.0.3", "GET", "/api/x"));
        assertTrue(ban.failures().isEmpty(), "not even counted");

        ban.modified(settings("exempt-management-networks", "false"));
        wrongPins("127.0.0.3", 3);
        assertEquals("429 2", request("127.0.0.3", "GET", "/api/x"));
    }

    /** ban:list and the metrics show what is enforced: a ban the exemption now covers is lifted, not listed. */
    @Test
    void aBanTheExemptionNowCoversIsLifted() throws Exception {
        ban.modified(settings("ban-time", "300"));
        wrongPins("127.0.0.16", 3);
        assertEquals("429 300", request("127.0.0.16", "GET", "/api/x"));
        ManagementNetworks before = ban.managementNetworks;
        try {
            // 127.0.0.16 joins management-networks: the file changes, the service stays, the sweep notices.
            ban.managementNetworks = () -> AddressSet.parse(List.of("127.0.0.3", "127.0.0.16"));
            assertEquals("200", request("127.0.0.16", "GET", "/api/x"));
            assertTrue(within(3, () -> ban.bans().isEmpty()), ban.bans().toString());
            assertEquals(0, ban.statistics().banned());
        } finally {
            ban.managementNetworks = before;
        }

        ban.modified(settings("ban-time", "300", "exempt-management-networks", "false"));
        wrongPins("127.0.0.3", 3);
        assertEquals("429 300", request("127.0.0.3", "GET", "/api/x"));
        assertEquals(1, ban.statistics().banned());
        ban.modified(settings("ban-time", "300"));
        assertTrue(ban.bans().isEmpty(), "exempt again: lifted with the change");
        assertEquals(0, ban.statistics().banned());
        assertEquals("200", request("127.0.0.3", "GET", "/api/x"));
    }

    static boolean within(int seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    @Test
    void turningItOffLiftsTheBans() throws Exception {
        ban.modified(settings("ban-time", "300"));
        wrongPins("127.0.0.15", 3);
        assertEquals("429 300", request("127.0.0.15", "GET", "/api/x"));
        ban.modified(settings("enabled", "false"));
        assertEquals("200", request("127.0.0.15", "GET", "/api/x"));
        wrongPins("127.0.0.15", 5);
        assertEquals("200", request("127.0.0.15", "GET", "/api/x"));
    }
}
