package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What goes through the proxy and how: headers, event streams, WebSocket, TLS to nodes, nodes that misbehave. */
class ProxyingTest {

    @TempDir
    Path home;

    /** One request written as bytes on a new TLS connection; the answer as text until the server closes or 3 s pass. */
    static String raw(TestProxy p, String request) throws Exception {
        try (SSLSocket s = (SSLSocket) TestProxy.trustAll().getSocketFactory().createSocket("127.0.0.1", p.front.port())) {
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (java.net.SocketTimeoutException e) {
                // keep-alive: the answer is complete when the server goes quiet
            }
            return b.toString();
        }
    }

    @Test
    void nodeLearnsTheClientAndHopByHopFieldsStayBehind() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            String answer = raw(p, "GET /headers HTTP/1.1\r\nHost: meet.example.com\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "Connection: keep-alive, X-Secret\r\nX-Secret: drop me\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                    + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nCookie: session=1\r\nX-Forwarded-Prefix: //evil.example\r\n"
                    + "X-Forwarded-Port: 80\r\nX_Forwarded_For: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.6\r\nX-Client-IP: 6.6.6.6\r\n"
                    + "X-Forwarded-Fortune: 1\r\nX_Real_IP: 6.6.6.6\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("host: meet.example.com\n"), answer);
            assertTrue(answer.contains("x-forwarded-for: 127.0.0.1\n"), "a client's own X-Forwarded-For is replaced: " + answer);
            assertTrue(answer.contains("x-real-ip: 127.0.0.1\n"), answer);
            assertTrue(answer.contains("x-forwarded-proto: https\n"), answer);
            assertTrue(answer.contains("x-forwarded-host: meet.example.com\n"), answer);
            assertTrue(answer.contains("forwarded: for=127.0.0.1;proto=https;host=meet.example.com\n"), answer);
            assertTrue(answer.contains("cookie: session=1\n"), answer);
            assertFalse(answer.contains("6.6.6.6"), "no field of the client's claims about itself reaches the node: " + answer);
            for (String gone : new String[] {"x-secret", "keep-alive", "te:", "proxy-authorization", "connection: keep-alive, ", "x-forwarded-prefix",
                "x-forwarded-port", "x-forwarded-fortune"}) {
                assertFalse(answer.toLowerCase().contains("\n" + gone), gone + " must not reach the node: " + answer);
            }
            assertTrue(answer.contains("Strict-Transport-Security"), "the front's headers are added: " + answer);

            p.set("host-header", "node");
            assertTrue(raw(p, "GET /headers HTTP/1.1\r\nHost: meet.example.com\r\n\r\n").contains("host: " + a.address() + "\n"));
        }
    }

    @Test
    void theNodesSoftwareIsNotNamedToClients() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            String answer = raw(p, "GET /id HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertFalse(answer.contains("TestNode"), "the node's Server and X-Powered-By stay behind: " + answer);
            assertFalse(answer.toLowerCase().contains("\nserver:"), answer);
        }
    }

    @Test
    void onlyWebSocketUpgradesReachTheNode() throws Exception {
        // An h2c upgrade carried to a node that accepts it would be an HTTP/2 connection straight to
        // the node: its later requests would pass no filter (LDAP, ban) and no route of the front.
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            for (String upgrade : new String[] {"h2c", "websocket, h2c", "h2c, websocket", "TLS/1.2"}) {
                String answer = raw(p, "GET /headers HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: " + upgrade
                        + "\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                String lower = answer.toLowerCase();
                assertFalse(lower.contains("\nupgrade:"), "Upgrade: " + upgrade + " must not reach the node: " + answer);
                assertFalse(lower.contains("\nconnection: upgrade"), upgrade + ": " + answer);
                assertFalse(lower.contains("\nhttp2-settings:"), upgrade + ": " + answer);
            }
        }
    }

    @Test
    void postBodiesStreamBothWays() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            String big = "x".repeat(300_000);
            HttpResponse<String> r = p.post("/echo", big);
            assertEquals(200, r.statusCode());
            assertEquals("a:" + big, r.body());
            String chunked = raw(p, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertTrue(chunked.endsWith("a:hello world"), chunked);
        }
    }

    @Test
    void eventStreamFlowsAtOnceAndEndsWhenTheClientGoes() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            HttpResponse<Stream<String>> r = p.client.send(HttpRequest.newBuilder(p.uri("/events")).build(), HttpResponse.BodyHandlers.ofLines());
            assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
            Thread reader = readLines(r, lines);
            assertEquals(": open a", lines.poll(5, TimeUnit.SECONDS));
            assertEquals("", lines.poll(5, TimeUnit.SECONDS));
            long worst = 0;
            for (int i = 0; i < 20; i++) {
                long t = System.nanoTime();
                a.send("event " + i);
                assertEquals("data: event " + i, lines.poll(5, TimeUnit.SECONDS));
                worst = Math.max(worst, System.nanoTime() - t);
                assertEquals("", lines.poll(5, TimeUnit.SECONDS));
            }
            System.out.printf("event stream: worst of 20 events from node to client %.2f ms%n", worst / 1e6);
            assertTrue(worst < 100_000_000L, "each event arrives within milliseconds");
            assertEquals(1, p.live().node(a.address()).status().openStreams());
            r.body().close();
            reader.interrupt();
        }
    }

    @Test
    void aWebSocketWhoseNodeStopsReadingIsClosedAtSendTimeoutAndTheNodeCountsAFailure() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "send-timeout", "1", "max-fails", "3"))) {
            a.deafWebSockets = true;
            java.util.concurrent.CompletableFuture<String> ended = new java.util.concurrent.CompletableFuture<>();
            WebSocket ws = p.client.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + p.front.port() + "/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                    ended.complete("closed " + statusCode);
                    return null;
                }

                @Override
                public void onError(WebSocket webSocket, Throwable error) {
                    ended.complete("error " + error);
                }
            }).get(10, TimeUnit.SECONDS);
            // 64 MB toward a node that reads nothing: the socket buffers fill, the proxy stops reading
            // from the client, and after send-timeout (1 s) of nothing taken it closes both sides.
            Thread sender = new Thread(() -> {
                String chunk = "z".repeat(1 << 20);
                try {
                    for (int i = 0; i < 64 && !ended.isDone(); i++) {
                        ws.sendText(chunk, true).get(30, TimeUnit.SECONDS);
                    }
                } catch (Exception closed) {
                    // the proxy closed the connection
                }
            });
            sender.setDaemon(true);
            sender.start();
            String how = ended.get(20, TimeUnit.SECONDS);
            assertNotNull(how);
            // (The node, reading nothing, does not see its end of the connection close.)
            Node n = p.live().node(a.address());
            assertEquals(1, n.status().failures(), "a node that takes nothing has hung: " + n.status());
            assertEquals(0, n.status().openStreams(), "the proxy ended the upgraded exchange: " + n.status());
            assertEquals(0, n.status().activeRequests(), n.status().toString());
        }
    }

    /** A WebSocket to /ws through the proxy; each text message it receives goes into {@code got}. */
    private static WebSocket webSocket(TestProxy p, BlockingQueue<String> got) throws Exception {
        return p.client.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + p.front.port() + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                got.add(data.toString());
                webSocket.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void webSocketEchoThroughTheProxy() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            WebSocket ws = webSocket(p, got);
            for (int i = 0; i < 5; i++) {
                ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
                assertEquals("a:hello " + i, got.poll(5, TimeUnit.SECONDS));
            }
            String long1 = "y".repeat(200_000);
            ws.sendText(long1, true).get(5, TimeUnit.SECONDS);
            StringBuilder echoed = new StringBuilder();
            while (echoed.length() < long1.length() + 2) {
                String part = got.poll(5, TimeUnit.SECONDS);
                assertNotNull(part, "the long message comes back whole");
                echoed.append(part);
            }
            assertEquals("a:" + long1, echoed.toString());
            assertEquals(1, p.live().node(a.address()).status().openStreams());
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            waitFor(() -> p.live().node(a.address()).status().activeRequests() == 0, "the upgraded exchange ends with the socket");
            assertEquals(0, p.live().node(a.address()).status().openStreams());
        }
    }

    /**
     * A node that sends its first WebSocket frame right behind its 101, in one write (so that one read
     * of the proxy holds both): the frame reaches the client, after the 101, not lost with the HTTP codec.
     */
    @Test
    void aFrameThatCameWithThe101ReachesTheClient() throws Exception {
        try (java.net.ServerSocket node = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
                TestProxy p = new TestProxy(home, Map.of("nodes", "127.0.0.1:" + node.getLocalPort(), "tls", "false"))) {
            Thread nodeThread = new Thread(() -> {
                try (java.net.Socket s = node.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        head.append((char) b);
                    }
                    java.util.regex.Matcher key = java.util.regex.Pattern.compile("(?im)^sec-websocket-key:\\s*(\\S+)").matcher(head);
                    assertTrue(key.find(), head.toString());
                    String accept = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                            .digest((key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                    byte[] answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    byte[] frame = {(byte) 0x81, 5, 'h', 'e', 'l', 'l', 'o'};
                    byte[] both = new byte[answer.length + frame.length];
                    System.arraycopy(answer, 0, both, 0, answer.length);
                    System.arraycopy(frame, 0, both, answer.length, frame.length);
                    OutputStream out = s.getOutputStream();
                    out.write(both);
                    out.flush();
                    // Held open until the client closes.
                    while (in.read() >= 0) {
                        // the client's frames, not looked at
                    }
                } catch (IOException | java.security.NoSuchAlgorithmException e) {
                    // the test fails on what the client did not get
                }
            });
            nodeThread.setDaemon(true);
            nodeThread.start();
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            WebSocket ws = webSocket(p, got);
            assertEquals("hello", got.poll(5, TimeUnit.SECONDS), "the frame sent with the 101");
            ws.abort();
        }
    }

    @Test
    void sequentialRequestsReuseOneKeptAliveNodeConnection() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", true);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            int loops = p.front.loops().threads();
            for (int i = 0; i < 50; i++) {
                assertEquals("a", p.get("/id").body());
            }
            assertTrue(a.accepted.get() <= loops, "50 requests in a row reuse a kept-alive node connection (at most one per I/O thread): "
                    + a.accepted.get() + " connections");
            p.set("nodes", b.address());
            p.set("tls", "true");
            p.set("tls-trust-all", "true");
            for (int i = 0; i < 50; i++) {
                assertEquals("b", p.get("/id").body());
            }
            assertTrue(b.accepted.get() <= loops, "the same over TLS: " + b.accepted.get() + " connections");
        }
    }

    @Test
    void aReusedNodeConnectionKeepsEachDeadline() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "first-byte-timeout", "1", "keepalive-timeout", "2",
                        "max-fails", "0"))) {
            assertEquals("a", p.get("/id").body());
            long t = System.nanoTime();
            assertEquals(504, p.get("/hang").statusCode(), "the first-byte timeout applies on a kept-alive connection");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
            assertTrue(millis >= 900 && millis < 3000, "after 1 s, not " + millis + " ms");
            assertEquals("a", p.get("/id").body());
            Node n = p.live().node(a.address());
            waitFor(() -> a.openConnections() == 0 && n.status().idleConnections() == 0,
                    "a kept-alive connection unused for keepalive-timeout (2 s) is closed: " + a.openConnections());
            assertEquals("a", p.get("/id").body(), "and the next request connects again");
        }
    }

    @Test
    void misbehavingNodesGet502Or504AndNoConnectionLeaks() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "first-byte-timeout", "1", "max-fails", "0"))) {
            HttpResponse<String> garbage = p.get("/garbage");
            assertEquals(502, garbage.statusCode());
            assertTrue(garbage.body().contains(ProxyExchange.NO_VALID_ANSWER), garbage.body());
            Node n = p.live().node(a.address());
            assertTrue(n.lastFailure().contains("not HTTP"), "proxy:nodes says why: " + n.lastFailure());
            HttpResponse<String> badChunk = p.get("/badchunk");
            assertEquals(502, badChunk.statusCode(), "a head held back with its broken body in the same read: nothing reached the client");
            assertTrue(n.lastFailure().contains("broken answer body"), n.lastFailure());
            HttpResponse<String> badField = p.get("/badfield");
            assertEquals(502, badField.statusCode(), "a control character in a node's field value is refused");
            assertTrue(n.lastFailure().contains("invalid header field"), n.lastFailure());
            long t = System.nanoTime();
            assertEquals(504, p.get("/hang").statusCode());
            assertTrue(System.nanoTime() - t < 3_000_000_000L);
            assertEquals(502, p.get("/close").statusCode());
            assertThrows(IOException.class, () -> p.get("/cut"), "an answer cut off by the node is cut off for the client too");
            assertEquals(200, p.get("/id").statusCode(), "the client's next request is served");
            assertTrue(n.status().failures() >= 5, "each counted on the node: " + n.status());
            waitFor(() -> a.openConnections() <= 1 && n.status().activeRequests() == 0,
                    "only the kept-alive connection of the last request stays: " + a.openConnections());
        }
    }

    @Test
    void bytesANodeSendsBeyondItsAnswerAreNeverTheNextRequestsAnswer() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "keepalive", "1", "max-fails", "0"))) {
            Node n = p.live().node(a.address());
            HttpResponse<String> overlong = p.get("/overlong");
            assertEquals("ok", overlong.body(), "the answer itself goes to the client");
            waitFor(() -> n.status().activeRequests() == 0, n.status().toString());
            assertOwnAnswer(p.get("/id"), "the next request gets its own answer, not one begun by the node's extra bytes");

            HttpResponse<String> head = p.client.send(HttpRequest.newBuilder(p.uri("/headbody")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            waitFor(() -> n.status().activeRequests() == 0, n.status().toString());
            assertOwnAnswer(p.get("/id"), "a body sent with the answer to HEAD is not the next answer's start");

            // Pipelined: the second request is read while the first answer ends, and its exchange
            // looks for a kept-alive connection at once, before the node's extra bytes are read.
            String two = raw(p, "GET /overlong HTTP/1.1\r\nHost: x\r\n\r\nGET /id HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(two.startsWith("HTTP/1.1 200 ") && two.indexOf("HTTP/1.1 200 ", 10) > 0 && two.endsWith("\r\n\r\na")
                    && !two.contains(" 404 "), "a pipelined request gets its own answer: " + two.replace("\r\n", "|"));

            assertEquals("ok", p.get("/late").body());
            Thread.sleep(300);
            assertOwnAnswer(p.get("/id"), "bytes sent on a kept-alive connection while no request waits close it");
            assertEquals(0, n.status().failures(), "a node's extra bytes are not a failed request: " + n.status());
        }
    }

    private static void assertOwnAnswer(HttpResponse<String> r, String what) {
        assertEquals(200 + " a", r.statusCode() + " " + r.body(), what);
    }

    @Test
    void aNodeSilentMidAnswerIsCutAfterReadTimeoutButAnEventStreamIsNot() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "read-timeout", "1"))) {
            HttpResponse<Stream<String>> events = p.client.send(HttpRequest.newBuilder(p.uri("/events")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = readLines(events, lines);
            assertEquals(": open a", lines.poll(5, TimeUnit.SECONDS));
            assertEquals("", lines.poll(5, TimeUnit.SECONDS));
            long opened = System.nanoTime();

            long t = System.nanoTime();
            assertThrows(IOException.class, () -> p.get("/stall"), "an answer the node stopped sending is cut off for the client");
            long took = System.nanoTime() - t;
            assertTrue(took >= 900_000_000L && took < 5_000_000_000L, "after read-timeout (1 s): " + took / 1_000_000 + " ms");
            Node n = p.live().node(a.address());
            assertEquals(1, n.status().failures(), "counted on the node: " + n.status());

            // The event stream, silent for twice read-timeout: stream-read-timeout (0) keeps it open.
            Thread.sleep(Math.max(0, 2_000 - (System.nanoTime() - opened) / 1_000_000));
            assertEquals(null, lines.poll(), "nothing came meanwhile");
            a.send("still here");
            assertEquals("data: still here", lines.poll(5, TimeUnit.SECONDS));
            assertEquals(1, n.status().openStreams());
            events.body().close();
            reader.interrupt();
        }
    }

    @Test
    void aClientThatStopsReadingIsNotCutOffByReadTimeout() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "read-timeout", "1"))) {
            try (SSLSocket s = askForBig(p)) {
                // Nothing read for three times read-timeout: the proxy pauses the node meanwhile.
                Thread.sleep(3000);
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    head.append((char) in.read());
                }
                assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
                long left = 32 << 20;
                byte[] buf = new byte[1 << 16];
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    assertTrue(n > 0, "the answer was cut off with " + left + " bytes to go");
                    left -= n;
                }
            }
            Node n = p.live().node(a.address());
            assertEquals(0, n.status().failures(), "a slow client is not the node's silence: " + n.status());
        }
    }

    @Test
    void aClientThatTakesNothingIsDisconnectedAtSendTimeoutAndItsNodeConnectionClosed() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address()), Map.of("send-timeout", "1"))) {
            try (SSLSocket s = askForBig(p)) {
                long t = System.nanoTime();
                waitFor(() -> a.openConnections() > 0, "a node connection");
                assertEquals(1, a.openConnections(), "the proxy took the request to the node");
                // The node's connection, paused while the client reads nothing, closes once send-timeout
                // (1 s) has passed without the client taking a byte.
                waitFor(() -> a.openConnections() == 0, "the node connection closed");
                long took = System.nanoTime() - t;
                assertEquals(0, a.openConnections(), "the node connection is closed, not held paused");
                assertTrue(took >= 900_000_000L, "not before send-timeout (1 s): " + took / 1_000_000 + " ms");
                // What the client finds: what was buffered, then the end of the connection, short of 32 MB.
                InputStream in = s.getInputStream();
                long got = 0;
                byte[] buf = new byte[1 << 16];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        got += n;
                    }
                } catch (IOException closed) {
                    // A TLS connection closed without close_notify: the same end.
                }
                assertTrue(got < 32 << 20, "the answer was cut off: " + got + " bytes");
            }
            Node n = p.live().node(a.address());
            assertEquals(0, n.status().failures(), "a client that stopped reading is not the node's fault: " + n.status());
            assertEquals(0, n.status().activeRequests(), "the exchange has ended: " + n.status());
            // A client that reads gets the whole answer.
            HttpResponse<byte[]> whole = p.client.send(HttpRequest.newBuilder(p.uri("/big")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(32 << 20, whole.body().length);
        }
    }

    @Test
    void aSlowUploadIsNotCutOffButAStalledOneGets408AndTheNodeNoFailure() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "first-byte-timeout", "1", "max-fails", "1"))) {
            // Six parts 400 ms apart: 2.4 s of upload against a first-byte-timeout of 1 s.
            InputStream slow = new InputStream() {
                private int sent;

                @Override
                public int read() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (sent == 6) {
                        return -1;
                    }
                    try {
                        Thread.sleep(400);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                    b[off] = (byte) ('0' + sent++);
                    return 1;
                }
            };
            HttpResponse<String> r = p.client.send(HttpRequest.newBuilder(p.uri("/echo")).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slow)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("a:012345", r.body());

            try (SSLSocket s = (SSLSocket) TestProxy.trustAll().getSocketFactory().createSocket("127.0.0.1", p.front.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long t = System.nanoTime();
                String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 408", answer, "the client stopped sending its body");
                assertTrue(System.nanoTime() - t < 5_000_000_000L);
            }
            Node n = p.live().node(a.address());
            assertEquals(0, n.status().failures(), "the client's stall is not the node's failure: " + n.status());
            assertEquals("up", n.status().state());
            assertEquals("a:pin", p.post("/echo", "pin").body());
        }
    }

    /** Node connections probe a silent node (TCP keepalive): an event stream's node gone without closing is found. */
    @Test
    void nodeConnectionsProbeASilentNode() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            assertEquals("a", p.get("/id").body());
            Node n = p.live().node(a.address());
            waitFor(() -> n.status().idleConnections() == 1, "kept alive: " + n.status());
            io.netty.channel.Channel c = n.idleConnections().get(0);
            assertEquals(Boolean.TRUE, c.config().getOption(io.netty.channel.ChannelOption.SO_KEEPALIVE));
            if (c instanceof io.netty.channel.epoll.EpollSocketChannel) {
                assertEquals(ProxyRoute.KEEPALIVE_IDLE_SECONDS, c.config().getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE));
                assertEquals(ProxyRoute.KEEPALIVE_INTERVAL_SECONDS, c.config().getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL));
                assertEquals(ProxyRoute.KEEPALIVE_PROBES, c.config().getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT));
            } else if (c instanceof io.netty.channel.uring.IoUringSocketChannel) {
                assertEquals(ProxyRoute.KEEPALIVE_IDLE_SECONDS, c.config().getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPIDLE));
                assertEquals(ProxyRoute.KEEPALIVE_INTERVAL_SECONDS, c.config().getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPINTVL));
                assertEquals(ProxyRoute.KEEPALIVE_PROBES, c.config().getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPCNT));
            } else {
                throw new AssertionError("a native transport runs these tests on Linux: " + c.getClass());
            }
        }
    }

    @Test
    void aKeptAliveConnectionTheNodeClosedAsItWasReusedIsNotAFailure() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            assertEquals("a", p.get("/id").body());
            Node n = p.live().node(a.address());
            waitFor(() -> n.status().idleConnections() == 1, "kept alive: " + n.status());
            int accepted = a.accepted.get();
            a.dropNext.set(true);
            assertEquals("a", p.get("/id").body(), "sent again on a new connection to the same node");
            assertEquals(accepted + 1, a.accepted.get());
            assertEquals(0, n.status().failures(), n.status().toString());
            assertEquals("up", n.status().state(), "max-fails 1, yet the node stays in");

            waitFor(() -> n.status().idleConnections() == 1, "kept alive: " + n.status());
            a.dropNext.set(true);
            assertEquals(502, p.post("/echo", "pin").statusCode(), "a POST whose body reached the node is not sent again");
            assertEquals(0, n.status().failures(), n.status().toString());
            a.broken = true;
            assertEquals(502, p.get("/id").statusCode());
            assertEquals(1, n.status().failures(), "a new connection closed without answer is the node's failure");
        }
    }

    @Test
    void aWebSocketHandshakeMeetingAKeptAliveConnectionTheNodeClosedGoesAgain() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()));
                SSLSocket s = (SSLSocket) TestProxy.trustAll().getSocketFactory().createSocket("127.0.0.1", p.front.port())) {
            s.setSoTimeout(5000);
            // One client connection, so one I/O thread: the handshake is offered the kept-alive node connection.
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /id HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readUntil(in, "\r\n\r\na").startsWith("HTTP/1.1 200 "));
            Node n = p.live().node(a.address());
            waitFor(() -> n.status().idleConnections() == 1, "kept alive: " + n.status());
            int accepted = a.accepted.get();
            a.dropNext.set(true);
            out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readUntil(in, "\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 101 "), "sent again on a new connection to the same node: " + head);
            assertEquals(accepted + 1, a.accepted.get());
            assertEquals(0, n.status().failures(), n.status().toString());
        }
    }

    /** What {@code in} gives until it ends with {@code end}. */
    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void aDrainedNodeClosesItsKeptAliveConnections() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address()))) {
            for (int i = 0; i < 4; i++) {
                assertEquals(200, p.get("/id").statusCode());
            }
            Node n = p.live().node(a.address());
            waitFor(() -> n.status().idleConnections() >= 1 && a.openConnections() >= 1, "a kept-alive connection to a: " + n.status());
            p.set("nodes", a.address() + " drain, " + b.address());
            waitFor(() -> n.status().idleConnections() == 0 && a.openConnections() == 0,
                    "the drained node's idle connections closed: " + n.status() + ", open at the node " + a.openConnections());
            for (int i = 0; i < 4; i++) {
                assertEquals("b", p.get("/id").body());
            }
            assertEquals(0, a.openConnections(), "and no new one made");
        }
    }

    @Test
    void tlsToNodesWithPinsCaFileOrExplicitTrustAll() throws Exception {
        try (TestNode a = new TestNode("a", true)) {
            String pin = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(a.certificate.cert().getEncoded()));
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "tls-fingerprints", pin, "max-fails", "0"))) {
                assertEquals("a", p.get("/id").body());
                p.set("tls-fingerprints", "00".repeat(32));
                assertEquals(502, p.get("/id").statusCode(), "a certificate that is not pinned is refused");
                p.set("tls-fingerprints", "");
                p.set("tls-trust-all", "true");
                assertEquals("a", p.get("/id").body());
                p.set("tls-trust-all", "false");
                Path ca = Files.writeString(home.resolve("node-ca.pem"), Files.readString(a.certificate.certificate().toPath()));
                p.set("tls-ca-file", ca.toString());
                assertEquals(502, p.get("/id").statusCode(), "the certificate does not name 127.0.0.1");
                assertEquals(null, a.serverName, "no SNI for an IP address");
                p.set("tls-name", "node.example.com");
                assertEquals("a", p.get("/id").body());
                assertEquals("node.example.com", a.serverName, "tls-name is the SNI");
                p.set("tls-ca-file", home.resolve("missing.pem").toString());
                assertEquals("a", p.get("/id").body(), "a CA file that cannot be read is refused; the pool keeps its TLS settings");
            }
        }
    }

    /**
     * Each way a node's certificate can fail trust is named in the 502 page and in the node's failure
     * (the WARN line), not OpenSSL's "General OpenSslEngine problem".
     */
    @Test
    void aTrustFailureNamesItsReason() throws Exception {
        try (TestNode a = new TestNode("a", true)) {
            Path ca = Files.writeString(home.resolve("node-ca.pem"), Files.readString(a.certificate.certificate().toPath()));
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "max-fails", "0"))) {
                assertTrustFailure(p, a, "is not signed by one of the system's trusted CAs (no tls-fingerprints, tls-ca-file or tls-trust-all set)");
                p.set("tls-fingerprints", "00".repeat(32));
                assertTrustFailure(p, a, "matches none of tls-fingerprints");
                p.set("tls-fingerprints", "");
                p.set("tls-ca-file", ca.toString());
                assertTrustFailure(p, a, "does not name 127.0.0.1 (set tls-name to a name it carries)");
                p.set("tls-name", "other.example.com");
                assertTrustFailure(p, a, "does not name tls-name other.example.com");
                try (TestNode stranger = new TestNode("stranger", true)) {
                    p.set("tls-name", "node.example.com");
                    p.set("nodes", stranger.address());
                    assertTrustFailure(p, stranger, "is not signed by a CA in tls-ca-file " + ca);
                    p.set("nodes", a.address());
                    assertEquals("a", p.get("/id").body(), "the CA file and tls-name that fit are trusted");
                }
            }
        }
    }

    private static void assertTrustFailure(TestProxy p, TestNode node, String reason) throws Exception {
        HttpResponse<String> r = p.get("/id");
        assertEquals(502, r.statusCode(), r.body());
        // The page is public: the kind of failure, not the node, its certificate or the pool's keys.
        assertTrue(r.body().contains(ProxyExchange.UNREACHABLE) || r.body().contains(ProxyExchange.NO_VALID_ANSWER), r.body());
        assertFalse(r.body().contains(reason), r.body());
        assertFalse(r.body().contains(String.valueOf(node.port())), r.body());
        String failure = p.live().node(node.address()).lastFailure();
        assertTrue(failure.contains(reason), failure);
        assertFalse(failure.contains("General OpenSslEngine problem"), failure);
        assertEquals(failure, p.live().node(node.address()).status().lastFailure(), "proxy:nodes shows it");
    }

    @Test
    void aRouteAtTheSamePrefixServesWhatItHasAndPassesTheRestToThePool() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            org.gatehouse.tls.http.HttpRoute custom = x -> {
                if (x.path().equals("/custom.css") || !x.pass()) {
                    x.respond(io.netty.handler.codec.http.HttpResponseStatus.OK, "text/css", "body{}");
                }
            };
            p.front.route(custom, Map.of(org.gatehouse.tls.http.HttpRoute.PREFIX, "/", org.osgi.framework.Constants.SERVICE_RANKING, 10));
            assertEquals("body{}", p.get("/custom.css").body());
            assertEquals("a", p.get("/id").body(), "what the custom route does not have comes from the node");
            assertEquals("a:pin", p.post("/echo", "pin").body());
        }
    }

    @Test
    void invalidNodesAreRefusedAndThePoolKeepsItsNodes() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            for (String bad : new String[] {"10.0.0.1", "10.0.0.1:99999", "300.1.1.1:443", "[::1:443", "node:443 weight=0", "a b:443", "x:1 heavy",
                "[1]:443", "[:]:443", "[...]:443", "a..b:443", "-a.b:443", "a.b.:443"}) {
                p.set("nodes", bad);
                assertEquals("a", p.get("/id").body(), bad);
            }
            assertThrows(org.gatehouse.core.config.InvalidSettingException.class,
                    () -> PoolSettings.read("org.gatehouse.balancer.pool~x", Map.of("nodes", "10.0.0.1:443, 10.0.0.1:443")));
        }
    }

    /** A daemon thread putting the event stream's lines into {@code lines} until the stream is closed. */
    private static Thread readLines(HttpResponse<Stream<String>> stream, BlockingQueue<String> lines) {
        Thread reader = new Thread(() -> {
            try {
                stream.body().forEach(lines::add);
            } catch (java.io.UncheckedIOException closed) {
                // the test closed the stream
            }
        });
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    /** A connection with a small receive buffer that has asked for /big (32 MB) and read nothing yet. */
    static SSLSocket askForBig(TestProxy p) throws Exception {
        SSLSocket s = (SSLSocket) TestProxy.trustAll().getSocketFactory().createSocket();
        s.setReceiveBufferSize(64 * 1024);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", p.front.port()), 5000);
        s.setSoTimeout(20_000);
        s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
