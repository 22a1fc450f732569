package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.KeptAliveAnswer;
import org.gatehouse.core.Listener;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS front door with real clients: curl, openssl s_client, and raw sockets for what curl will not send. */
class HttpFrontTest {

    @TempDir
    static Path home;
    static EventLoops loops;
    static TlsComponent tls;
    static HttpFrontComponent front;
    static int https;
    static int http;

    static final HttpRoute HELLO = x -> x.respond(HttpResponseStatus.OK, "text/plain", "hello " + x.path() + " from "
            + (x.secure() ? "https" : "http"));

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        loops = EventLoopsAccess.start(Map.of("io-threads", "2"));
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        p.put("https-listen", "127.0.0.1:0");
        p.put("http-listen", "127.0.0.1:0");
        p.put("public-https-port", "8443");
        p.put("header-read-timeout", "2");
        tls = new TlsComponent();
        tls.activate(p);
        front = new HttpFrontComponent();
        front.loops = loops;
        front.certificates = tls;
        front.retryMillis = 200;
        front.activate(null, p);
        front.bindRoute(HELLO, Map.of(HttpRoute.PREFIX, "/"));
        for (Listener l : front.listeners()) {
            if (l.protocol().equals("tls")) {
                https = l.address().getPort();
            } else {
                http = l.address().getPort();
            }
        }
    }

    @AfterAll
    static void stop() {
        if (front != null) {
            front.deactivate();
        }
        if (tls != null) {
            tls.deactivate();
        }
        if (loops != null) {
            EventLoopsAccess.stop(loops);
        }
        System.clearProperty("gatehouse.home");
    }

    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void curlGetsTheRouteOverHttpsWithSecurityHeadersAndKeepAlive() throws Exception {
        String url = "https://127.0.0.1:" + https + "/hello";
        String out = curl("-k", "-i", "-v", url, url + "?again");
        assertTrue(out.contains("HTTP/1.1 200 OK"), out);
        assertTrue(out.contains("hello /hello from https"), out);
        assertTrue(out.contains("strict-transport-security: max-age=31536000") || out.contains("Strict-Transport-Security: max-age=31536000"), out);
        assertTrue(out.toLowerCase().contains("x-content-type-options: nosniff"), out);
        assertTrue(out.toLowerCase().contains("referrer-policy: strict-origin-when-cross-origin"), out);
        assertTrue(out.contains("ALPN: server accepted http/1.1") || out.contains("ALPN, server accepted to use http/1.1"), out);
        assertTrue(out.toLowerCase().contains("re-using existing connection") || out.toLowerCase().contains("reusing existing connection"),
                "the second request reuses the connection:\n" + out);
    }

    @Test
    void plainHttpRedirectsToHttpsKeepingHostAndTarget() throws Exception {
        String out = curl("-i", "-H", "Host: meet.example.com", "http://127.0.0.1:" + http + "/webapp/home?conference=42");
        assertTrue(out.startsWith("HTTP/1.1 301"), out);
        assertTrue(out.contains("location: https://meet.example.com:8443/webapp/home?conference=42")
                || out.contains("Location: https://meet.example.com:8443/webapp/home?conference=42"), out);
        assertFalse(out.toLowerCase().contains("strict-transport-security"), "HSTS only over HTTPS:\n" + out);
        String absolute = curl("-i", "--request-target", "http://meet.example.com/webapp/home?conference=42", "-H", "Host: meet.example.com",
                "http://127.0.0.1:" + http + "/");
        assertTrue(absolute.toLowerCase().contains("location: https://meet.example.com:8443/webapp/home?conference=42"),
                "an absolute-form target keeps its path and query:\n" + absolute);
    }

    @Test
    void nothingRoutedIs404AndConnectAndForeignAbsoluteTargetsAreRefused() throws Exception {
        front.unbindRoute(HELLO);
        try {
            assertTrue(curl("-k", "-i", "https://127.0.0.1:" + https + "/api/").startsWith("HTTP/1.1 404"));
        } finally {
            front.bindRoute(HELLO, Map.of(HttpRoute.PREFIX, "/"));
        }
        assertTrue(raw("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n").startsWith("HTTP/1.1 405"));
        assertTrue(raw("TRACE / HTTP/1.1\r\nHost: gatehouse.example.com\r\nCookie: session=1\r\n\r\n").startsWith("HTTP/1.1 405"),
                "TRACE is not passed on to a route (a node echoing it)");
        assertTrue(raw("GET http://evil.example/ HTTP/1.1\r\nHost: gatehouse.example.com\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(raw("GET http://gatehouse.example.com/x HTTP/1.1\r\nHost: gatehouse.example.com\r\nConnection: close\r\n\r\n")
                .contains("hello /x from https"), "absolute form naming this host is served");
    }

    @Test
    void longestPrefixWinsAndFiltersRunByRanking() throws Exception {
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        HttpRoute api = x -> x.respond(HttpResponseStatus.OK, "text/plain", "api route");
        org.gatehouse.tls.http.HttpFilter low = x -> order.add("low");
        org.gatehouse.tls.http.HttpFilter high = x -> order.add("high");
        org.gatehouse.tls.http.HttpFilter gate = new org.gatehouse.tls.http.HttpFilter() {
            @Override
            public boolean beforeRoute(HttpExchange x) {
                order.add("gate");
                if (x.path().startsWith("/api/private")) {
                    x.respond(HttpResponseStatus.UNAUTHORIZED, "text/plain", "credentials needed");
                    return false;
                }
                return true;
            }
        };
        front.bindRoute(api, Map.of(HttpRoute.PREFIX, new String[] {"/api/", "/static/"}));
        front.bindFilter(low, Map.of(org.osgi.framework.Constants.SERVICE_RANKING, -5, org.osgi.framework.Constants.SERVICE_ID, 900L));
        front.bindFilter(high, Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 10, org.osgi.framework.Constants.SERVICE_ID, 901L));
        front.bindFilter(gate, Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 0, org.osgi.framework.Constants.SERVICE_ID, 902L));
        try {
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/api/x").contains("api route"));
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/static/y").contains("api route"));
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/apix").contains("hello /apix"), "prefixes match whole strings");
            assertEquals(List.of("high", "gate", "low", "high", "gate", "low", "high", "gate", "low"), order);
            order.clear();
            assertTrue(curl("-k", "-i", "https://127.0.0.1:" + https + "/api/private/z").startsWith("HTTP/1.1 401"));
            assertEquals(List.of("high", "gate"), order, "a filter that answers stops the chain and the route");
        } finally {
            front.unbindRoute(api);
            front.unbindFilter(low);
            front.unbindFilter(high);
            front.unbindFilter(gate);
        }
    }

    /**
     * A filter hears of every response before the client can read it: one slow to take note (300 ms)
     * has still noted both answers, a whole one and a streamed one, when curl has read them both on
     * one kept-alive connection.
     */
    @Test
    void filtersHearOfAResponseBeforeTheClientCanReadIt() throws Exception {
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        HttpRoute streamed = inParts(HttpResponseStatus.FORBIDDEN);
        org.gatehouse.tls.http.HttpFilter slow = new org.gatehouse.tls.http.HttpFilter() {
            @Override
            public boolean beforeRoute(HttpExchange x) {
                return true;
            }

            @Override
            public void afterResponse(HttpExchange x, HttpResponseStatus status) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                heard.add(x.path() + " " + status.code());
            }
        };
        front.bindRoute(streamed, Map.of(HttpRoute.PREFIX, "/streamed/"));
        front.bindFilter(slow, Map.of(org.osgi.framework.Constants.SERVICE_ID, 903L));
        try {
            String out = curl("-k", "https://127.0.0.1:" + https + "/whole", "https://127.0.0.1:" + https + "/streamed/x");
            assertEquals("hello /whole from httpspart end", out);
            assertEquals(List.of("/whole 200", "/streamed/x 403"), heard);
        } finally {
            front.unbindFilter(slow);
            front.unbindRoute(streamed);
        }
    }

    @Test
    void aPortInUseIsReportedAndTheOtherListenersKeepServing() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Map<String, Object> p = new HashMap<>();
            p.put("hostname", "gatehouse");
            p.put("domain", "example.com");
            p.put("https-listen", "127.0.0.1:" + https + ", 127.0.0.1:" + taken.getLocalPort());
            p.put("http-listen", "127.0.0.1:" + http);
            p.put("public-https-port", "8443");
            p.put("header-read-timeout", "2");
            front.modified(p);
            assertEquals(2, front.listeners().size(), "the taken port is not listed; the others stay");
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/still").contains("hello /still"));
            assertTrue(front.problem().startsWith("configuration org.gatehouse.tls: cannot open https-listen 127.0.0.1:" + taken.getLocalPort()
                    + " ("), "listed under Problems in gatehouse:status: " + front.problem());
        }
        front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        assertEquals(null, front.problem(), "no longer asked for");
    }

    /**
     * A port another program held when the configuration applied opens once it is free, without the
     * file being touched, and leaves Problems; until then it is tried again without closing anything.
     */
    @Test
    void aPortInUseOpensOnceItIsFree() throws Exception {
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            front.modified(listening("127.0.0.1:" + https + ", 127.0.0.1:" + port, "127.0.0.1:" + http));
            assertTrue(front.problem().startsWith("configuration org.gatehouse.tls: cannot open https-listen 127.0.0.1:" + port), front.problem());
            Thread.sleep(600);
            assertEquals(2, front.listeners().size(), "still held: tried again in vain");
        }
        try {
            waitFor(() -> front.problem() == null, "the freed port opened and left Problems");
            assertEquals(3, front.listeners().size());
            assertTrue(curl("-k", "https://127.0.0.1:" + port + "/freed").contains("hello /freed from https"));
        } finally {
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        }
    }

    /** The listener kept in place of one whose port was held moves there once the port is free. */
    @Test
    void aListenerKeptInPlaceOfAHeldPortMovesOnceItIsFree() throws Exception {
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + port));
            assertTrue(front.problem().endsWith("; still listening on http 127.0.0.1:" + http + " instead"), front.problem());
        }
        try {
            waitFor(() -> front.problem() == null, "the freed port opened and left Problems");
            assertEquals(java.util.Set.of("127.0.0.1:" + https, "127.0.0.1:" + port),
                    front.listeners().stream().map(l -> IpAddresses.format(l.address())).collect(java.util.stream.Collectors.toSet()),
                    "the kept http listener closed once its replacement opened");
            assertTrue(curl("-i", "http://127.0.0.1:" + port + "/freed").startsWith("HTTP/1.1 301"));
        } finally {
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        }
    }

    /** A configuration that no longer asks for the held port stops the tries: the port, once free, stays unused. */
    @Test
    void aLaterConfigurationStopsTheTries() throws Exception {
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            front.modified(listening("127.0.0.1:" + https + ", 127.0.0.1:" + port, "127.0.0.1:" + http));
            assertTrue(front.problem() != null);
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        }
        Thread.sleep(1000);
        assertEquals(2, front.listeners().size(), "not opened: no longer asked for");
        assertEquals(null, front.problem());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "within 15 s: " + what);
            Thread.sleep(50);
        }
    }

    /** A refused edit of the file, in either of its parts, is listed under Problems until a valid file applies. */
    @Test
    void aRefusedFileIsListedUntilAValidOneApplies() throws Exception {
        Map<String, Object> p = listening("127.0.0.1:" + https, "127.0.0.1:" + http);
        p.put("send-timeout", "forever");
        front.modified(p);
        assertEquals(1, front.refused().size(), front.refused().toString());
        assertTrue(front.refused().get(0).contains("send-timeout = 'forever'") && front.refused().get(0).contains("keeping the HTTPS settings in force"),
                front.refused().get(0));
        assertTrue(curl("-k", "https://127.0.0.1:" + https + "/still").contains("hello /still"), "still serving");
        p.remove("send-timeout");
        p.put("protocols", "SSLv2");
        front.modified(p);
        assertEquals(1, front.refused().size(), front.refused().toString());
        assertTrue(front.refused().get(0).contains("protocols") && front.refused().get(0).contains("keeping the TLS settings and certificate in force"),
                front.refused().get(0));
        front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        assertEquals(List.of(), front.refused(), "fixed");
    }

    private static Map<String, Object> listening(String httpsListen, String httpListen) {
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        p.put("https-listen", httpsListen);
        p.put("http-listen", httpListen);
        p.put("public-https-port", "8443");
        p.put("header-read-timeout", "2");
        return p;
    }

    /**
     * The listener moved to a port that cannot be had keeps serving where it was (it used to be closed
     * first, leaving nothing); ports swapped between https-listen and http-listen still move.
     */
    @Test
    void aListenerMovedToATakenPortKeepsServingAndSwappedPortsMove() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            front.modified(listening("127.0.0.1:" + taken.getLocalPort(), "127.0.0.1:" + http));
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/moved").contains("hello /moved"), "still serving on its old port");
            assertEquals(2, front.listeners().size());
            assertTrue(front.problem().endsWith("; still listening on https 127.0.0.1:" + https + " instead"), front.problem());
        }
        try {
            front.modified(listening("127.0.0.1:" + http, "127.0.0.1:" + https));
            assertTrue(curl("-k", "https://127.0.0.1:" + http + "/swapped").contains("hello /swapped from https"),
                    "https on the former http port");
            assertTrue(curl("-i", "http://127.0.0.1:" + https + "/swapped").startsWith("HTTP/1.1 301"), "the redirect on the former https port");
        } finally {
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        }
        assertTrue(curl("-k", "https://127.0.0.1:" + https + "/back").contains("hello /back from https"));
        assertEquals(null, front.problem());
    }

    /**
     * etc/org.gatehouse.tls.cfg feeds two components: a bad value of either's keys refuses the whole
     * file, so neither half of the change is applied on its own.
     */
    @Test
    void aBadValueInTheSharedFileRefusesBothHalves() throws Exception {
        int free;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        try {
            Map<String, Object> p = listening("127.0.0.1:" + free, "127.0.0.1:" + http);
            p.put("protocols", "TLSv1.2, SSLv3");
            front.modified(p);
            tls.modified(p);
            assertTrue(curl("-k", "https://127.0.0.1:" + https + "/same").contains("hello /same"), "the listener did not move");
            assertEquals(2, front.listeners().size());
            p = listening("127.0.0.1:" + https, "127.0.0.1:" + http);
            p.put("protocols", "TLSv1.2");
            p.put("header-read-timeout", "soon");
            front.modified(p);
            tls.modified(p);
            assertTrue(curl("-k", "--tlsv1.3", "https://127.0.0.1:" + https + "/v13").contains("hello /v13"),
                    "TLS 1.3 still offered: protocols of a refused file not applied");
        } finally {
            front.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
            tls.modified(listening("127.0.0.1:" + https, "127.0.0.1:" + http));
        }
    }

    @Test
    void smugglingAttemptsGet400AndTheConnectionCloses() throws Exception {
        String answer = raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.toLowerCase().contains("connection: close"), answer);
        assertFalse(answer.contains("/smuggled"), "nothing after the refused request is served:\n" + answer);
        assertTrue(raw("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n").startsWith("HTTP/1.1 400"), "obs-fold");
        assertTrue(raw("GET /public#/../api/secret HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 400"),
                "a fragment, which a filter and a node would read differently");
        assertTrue(raw("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 414"));
    }

    @Test
    void pipelinedRequestsBehindAnAnswerGivenLaterAreEachAnswered() throws Exception {
        // A route that answers after the request has been read (a node's answer, a filter's).
        HttpRoute later = x -> x.eventLoop().schedule(() -> x.respond(HttpResponseStatus.OK, "text/plain", x.path() + "\n"), 20,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        front.bindRoute(later, Map.of(HttpRoute.PREFIX, "/later/"));
        try {
            String out = raw("GET /later/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /later/2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /later/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            int first = out.indexOf("/later/1\n");
            int second = out.indexOf("/later/2\n");
            assertTrue(first > 0 && second > first && out.endsWith("/later/3\n"), "three answers in order: " + out);

            // Behind a pipelined request answered at once with Connection: close, nothing is routed.
            java.util.concurrent.atomic.AtomicInteger routed = new java.util.concurrent.atomic.AtomicInteger();
            HttpRoute counted = x -> {
                routed.incrementAndGet();
                x.respond(HttpResponseStatus.OK, "text/plain", x.path() + "\n");
            };
            front.bindRoute(counted, Map.of(HttpRoute.PREFIX, "/counted/"));
            try {
                out = raw("GET /later/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /counted/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        + "GET /counted/b HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(out.endsWith("/counted/a\n"), out);
                assertEquals(1, routed.get(), "the request behind the closing answer was not routed");
            } finally {
                front.unbindRoute(counted);
            }
        } finally {
            front.unbindRoute(later);
        }
    }

    @Test
    void nothingPipelinedBehindAnAnswerThatClosesIsRouted() throws Exception {
        // The request read in the same piece as the one answered 400 (or answered and closed as the
        // client asked) was framed already: it was handed to its route after the connection closed.
        List<String> routed = java.util.Collections.synchronizedList(new ArrayList<>());
        HttpRoute recording = x -> {
            routed.add(x.path());
            x.respond(HttpResponseStatus.OK, "text/plain", "routed " + x.path());
        };
        front.bindRoute(recording, Map.of(HttpRoute.PREFIX, "/pipelined/"));
        try {
            String refused = raw("GET pipelined HTTP/1.1\r\nHost: x\r\n\r\nGET /pipelined/after-400 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(refused.startsWith("HTTP/1.1 400"), refused);
            String closed = raw("GET /pipelined/first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    + "GET /pipelined/after-close HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(closed.contains("routed /pipelined/first"), closed);
            Thread.sleep(200);
            assertEquals(List.of("/pipelined/first"), routed);
        } finally {
            front.unbindRoute(recording);
        }
    }

    /**
     * The answer to a HEAD is its head alone, also when the front or a route answers with a page
     * (404, a proxy's 502): a body after it would be read as the start of the next answer on the
     * connection.
     */
    @Test
    void aHeadRequestAnsweredWithAPageGetsNoBody() throws Exception {
        HttpRoute page = x -> x.respond(HttpResponseStatus.BAD_GATEWAY, "text/html", "<p>no node answered</p>");
        // A filter's answer, head then body (an LDAP 401, a ban's 429).
        HttpRoute streamed = x -> {
            x.head(new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    HttpResponseStatus.UNAUTHORIZED, new io.netty.handler.codec.http.DefaultHttpHeaders()
                            .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, 9)));
            x.end(new io.netty.handler.codec.http.DefaultLastHttpContent(io.netty.buffer.Unpooled.copiedBuffer("sign in!\n", StandardCharsets.UTF_8)));
        };
        front.bindRoute(page, Map.of(HttpRoute.PREFIX, "/page/"));
        front.bindRoute(streamed, Map.of(HttpRoute.PREFIX, "/in-parts/"));
        try {
            String out = raw("HEAD /page/x HTTP/1.1\r\nHost: x\r\n\r\nGET /page/y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            int end = out.indexOf("\r\n\r\n");
            assertTrue(out.startsWith("HTTP/1.1 502") && out.substring(0, end).contains("content-length: 23"), out);
            assertTrue(out.startsWith("HTTP/1.1 502", end + 4), "the next answer right after the head: " + out);
            assertTrue(out.endsWith("<p>no node answered</p>"), out);
            out = raw("HEAD /in-parts/x HTTP/1.1\r\nHost: x\r\n\r\nGET /in-parts/y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            end = out.indexOf("\r\n\r\n");
            assertTrue(out.startsWith("HTTP/1.1 401") && out.substring(0, end).contains("content-length: 9"), out);
            assertTrue(out.startsWith("HTTP/1.1 401", end + 4), "the next answer right after the head: " + out);
            assertTrue(out.endsWith("sign in!\n"), out);
        } finally {
            front.unbindRoute(page);
            front.unbindRoute(streamed);
        }
    }

    /**
     * An HTTP/1.0 client reads no chunks: a body sent in pieces of unknown total length reaches it as
     * it is, ended by closing the connection (kept alive or not); one sent whole, with its length.
     */
    @Test
    void anHttp10ClientGetsNoChunks() throws Exception {
        HttpRoute streamed = inParts(HttpResponseStatus.OK);
        HttpRoute whole = x -> x.respond(new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK, new io.netty.handler.codec.http.DefaultHttpHeaders()
                        .set(io.netty.handler.codec.http.HttpHeaderNames.TRANSFER_ENCODING, "chunked")),
                new io.netty.handler.codec.http.DefaultLastHttpContent(io.netty.buffer.Unpooled.copiedBuffer("all at once", StandardCharsets.UTF_8)));
        front.bindRoute(streamed, Map.of(HttpRoute.PREFIX, "/streamed/"));
        front.bindRoute(whole, Map.of(HttpRoute.PREFIX, "/whole/"));
        try {
            for (String keepAlive : new String[] {"", "Connection: keep-alive\r\n"}) {
                String out = raw("GET /streamed/x HTTP/1.0\r\nHost: x\r\n" + keepAlive + "\r\n");
                String head = out.substring(0, out.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
                assertTrue(out.startsWith("HTTP/1.1 200") && head.contains("connection: close") && !head.contains("transfer-encoding")
                        && !head.contains("content-length"), out);
                assertTrue(out.endsWith("\r\n\r\npart end"), "the body as it is, ended by the close: " + out);
            }
            String out = raw("GET /whole/x HTTP/1.0\r\nHost: x\r\n\r\n");
            String head = out.substring(0, out.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
            assertTrue(head.contains("content-length: 11") && !head.contains("transfer-encoding"), out);
            assertTrue(out.endsWith("\r\n\r\nall at once"), out);
            String eleven = raw("GET /streamed/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(eleven.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked") && eleven.contains("5\r\npart \r\n"),
                    "HTTP/1.1 clients get chunks: " + eleven);
        } finally {
            front.unbindRoute(streamed);
            front.unbindRoute(whole);
        }
    }

    /** A route answering {@code status} with a chunked head, then "part " and "end" written apart. */
    private static HttpRoute inParts(HttpResponseStatus status) {
        return x -> {
            x.head(new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    status, new io.netty.handler.codec.http.DefaultHttpHeaders()
                            .set(io.netty.handler.codec.http.HttpHeaderNames.TRANSFER_ENCODING, "chunked")));
            x.write(new io.netty.handler.codec.http.DefaultHttpContent(io.netty.buffer.Unpooled.copiedBuffer("part ", StandardCharsets.UTF_8)));
            x.end(new io.netty.handler.codec.http.DefaultLastHttpContent(io.netty.buffer.Unpooled.copiedBuffer("end", StandardCharsets.UTF_8)));
        };
    }

    @Test
    void eachRequestOnAKeptAliveConnectionHasItsOwnHeadDeadline() throws Exception {
        try (SSLSocket s = TrustingClient.connect(https)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /one HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(KeptAliveAnswer.read(in).contains("hello /one"));
            Thread.sleep(1000);
            // The second head starts 1 s after the first answer and takes 1.5 s: past the 2 s deadline the
            // first head had, within its own.
            out.write("GET /two HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(1500);
            out.write("Host: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(KeptAliveAnswer.read(in).contains("hello /two"), "a head completed within its own deadline is served");
            out.write("GET /three HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            s.setSoTimeout(5000);
            String third;
            try {
                third = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            } catch (java.io.IOException reset) {
                third = "";
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(third.isEmpty() || third.startsWith("HTTP/1.1 408"), third);
            assertTrue(millis >= 1500 && millis <= 4000, "a stalled head is cut at its own 2 s deadline, here after " + millis + " ms");
        }
    }

    @Test
    void aSlowHeaderClientIsCutOffAtTheDeadlineWhileOthersAreServed() throws Exception {
        try (SSLSocket slow = TrustingClient.connect(https)) {
            OutputStream out = slow.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            byte[] got = new byte[0];
            for (int i = 0; i < 10; i++) {
                Thread.sleep(400);
                try {
                    out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                if (i == 2) {
                    assertTrue(curl("-k", "https://127.0.0.1:" + https + "/other").contains("hello /other"), "others are served meanwhile");
                }
            }
            slow.setSoTimeout(3000);
            try {
                got = slow.getInputStream().readAllBytes();
            } catch (java.io.IOException reset) {
                // closed under us is fine too
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            String answer = new String(got, StandardCharsets.US_ASCII);
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(seconds <= 5, "cut off at the 2 s deadline, not after " + seconds + " s");
        }
    }

    /**
     * slowhttptest (Debian) in Slowloris mode: 100 connections each sending one more header field a
     * second, never ending the head. Each is cut off at the 2 s header deadline, and its probe
     * connection is answered throughout.
     */
    @Test
    void slowhttptestSlowlorisClientsAreCutOffAndTheServiceStaysAvailable() throws Exception {
        if (!new java.io.File("/usr/bin/slowhttptest").canExecute()) {
            System.out.println("SKIPPED slowhttptest case: /usr/bin/slowhttptest not installed (Debian package slowhttptest)");
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "slowhttptest not installed");
        }
        Path out = Files.createTempDirectory(home, "slow");
        Process p = new ProcessBuilder("/usr/bin/slowhttptest", "-H", "-c", "100", "-r", "50", "-i", "1", "-l", "8", "-p", "2",
                "-g", "-o", out.resolve("run").toString(), "-u", "https://127.0.0.1:" + https + "/slow")
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), text);
        java.util.List<String> rows = Files.readAllLines(out.resolve("run.csv"));
        System.out.println("[slowhttptest -H -c 100 -i 1 -l 8 against the 2 s header deadline]\n" + String.join("\n", rows));
        // Columns: seconds, closed, pending, connected, service available (100 = the probe got its answer, 0 = not).
        int lastClosed = 0;
        int maxConnected = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] c = row.split(",");
            assertEquals("100", c[4].strip(), "the probe connection is answered at second " + c[0] + ": " + row);
            lastClosed = Integer.parseInt(c[1].strip());
            maxConnected = Math.max(maxConnected, Integer.parseInt(c[3].strip()));
        }
        assertTrue(maxConnected < 100, "connections are cut off at the deadline, never all held at once: " + maxConnected);
        System.out.println(text);
        assertTrue(lastClosed > 0, "the server closes slow connections: " + lastClosed);
        assertTrue(text.contains("No open connections left"), "every slow connection was closed before the 8 s run ended:\n" + text);
    }

    @Test
    void accessLogFiltersPinsAndTokens() throws Exception {
        curl("-k", "-A", "test-agent", "https://127.0.0.1:" + https + "/api/client/v2/conferences/x/request_token?pin=1234&name=bob&token=abc");
        Path log = home.resolve("data/log/access.log");
        for (int i = 0; i < 50 && (!Files.exists(log) || !Files.readString(log).contains("request_token")); i++) {
            Thread.sleep(100);
        }
        String text = Files.readString(log);
        assertTrue(text.contains("\"GET /api/client/v2/conferences/x/request_token?pin=[FILTERED]&name=bob&token=[FILTERED] HTTP/1.1\" 200"), text);
        assertTrue(text.contains("\"test-agent\""), text);
        assertFalse(text.contains("1234"), text);
    }

    @Test
    void opensslSeesTls13AndHttp11() throws Exception {
        Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + https, "-alpn", "http/1.1")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertTrue(out.contains("ALPN protocol: http/1.1"), out);
        assertTrue(out.contains("TLSv1.3"), out);
        Process old = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + https, "-tls1_1")
                .redirectErrorStream(true).start();
        old.getOutputStream().close();
        String refused = new String(old.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(old.waitFor(20, TimeUnit.SECONDS));
        assertTrue(refused.contains("alert protocol version") && refused.contains("Cipher is (NONE)"), "TLS 1.1 is refused:\n" + refused);
    }

    /**
     * A pipelined request head that begins while an answer streams (an event stream, say) and does
     * not end: its header-read-timeout (2 s here) runs from when that answer has ended, not while it
     * streams, where a 408 was written into the middle of the stream's body and the stream cut.
     */
    @Test
    void aPipelinedHeadDoesNotTimeOutWhileTheAnswerBeforeItStreams() throws Exception {
        HttpRoute stream = x -> {
            x.head(new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    HttpResponseStatus.OK));
            x.write(new io.netty.handler.codec.http.DefaultHttpContent(io.netty.buffer.Unpooled.copiedBuffer("first;",
                    StandardCharsets.US_ASCII)));
            x.eventLoop().schedule(() -> {
                if (x.channel().isActive()) {
                    x.end(new io.netty.handler.codec.http.DefaultLastHttpContent(io.netty.buffer.Unpooled.copiedBuffer("second;",
                            StandardCharsets.US_ASCII)));
                }
            }, 3, TimeUnit.SECONDS);
        };
        front.bindRoute(stream, Map.of(HttpRoute.PREFIX, "/stream/"));
        try {
            long start = System.nanoTime();
            String out = raw("GET /stream/ HTTP/1.1\r\nHost: gatehouse.example.com\r\n\r\nGET /x HTTP/1.1\r\n");
            assertTrue(out.contains("first;") && out.contains("second;"), "the stream ran to its end:\n" + out);
            int end = out.indexOf("second;");
            assertFalse(out.substring(0, end).contains("408"), "no 408 inside the stream:\n" + out);
            assertTrue(out.substring(end).contains("HTTP/1.1 408"), "the head's 408 after it:\n" + out);
            assertTrue(System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(5), "2 s counted from the stream's end");
        } finally {
            front.unbindRoute(stream);
        }
    }

    /**
     * Bytes a client sent before the 101 of an upgrade (RFC 6455 has it wait) were read as HTTP: they
     * are released and the connection closes after the 101, instead of being kept for good by a
     * handler that had left the pipeline.
     */
    @Test
    void bytesSentBeforeTheSwitchCloseTheUpgradedConnection() throws Exception {
        HttpRoute ws = x -> x.eventLoop().schedule(() -> {
            io.netty.handler.codec.http.HttpResponse switching = new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
            switching.headers().set("connection", "upgrade").set("upgrade", "websocket");
            x.upgrade(switching, new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }
            });
        }, 300, TimeUnit.MILLISECONDS);
        front.bindRoute(ws, Map.of(HttpRoute.PREFIX, "/ws/"));
        String upgrade = "GET /ws/ HTTP/1.1\r\nHost: gatehouse.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
        try (SSLSocket s = TrustingClient.connect(https)) {
            s.getOutputStream().write(upgrade.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String head = readUntil(s.getInputStream(), "\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            s.getOutputStream().write("echo".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            assertEquals("echo", readUntil(s.getInputStream(), "echo"), "a client that waited for the 101 is relayed");
        }
        try (SSLSocket s = TrustingClient.connect(https)) {
            s.getOutputStream().write((upgrade + "POST /x HTTP/1.1\r\nHost: gatehouse.example.com\r\nContent-Length: 5\r\n\r\nhello")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String head = readUntil(s.getInputStream(), "\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            int next;
            try {
                next = s.getInputStream().read();
            } catch (javax.net.ssl.SSLException closedAbruptly) {
                next = -1;
            }
            assertEquals(-1, next, "closed after the 101: the early bytes were read as HTTP");
        } finally {
            front.unbindRoute(ws);
        }
    }

    /** Reads until {@code end} has arrived (or the stream ends); what came. */
    private static String readUntil(InputStream in, String end) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().contains(end)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** Sends raw bytes over TLS and returns everything until the server closes (or 5 s). */
    private static String raw(String request) throws Exception {
        try (SSLSocket s = TrustingClient.connect(https)) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (java.net.SocketTimeoutException | javax.net.ssl.SSLException e) {
                // keep-alive connection left open, or closed abruptly: what came is the answer
            }
            return sb.toString();
        }
    }

}
