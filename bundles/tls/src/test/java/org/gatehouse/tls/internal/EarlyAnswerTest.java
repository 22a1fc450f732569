package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request answered before its body has arrived (a refusal, a 404, a node's early answer): the rest
 * of the body is read and dropped, and the connection serves the next request if the body ends within
 * idle-timeout of the answer; a client that stops sending it, or sends it too slowly, is closed then,
 * not held for ever.
 */
class EarlyAnswerTest {

    @TempDir
    Path home;

    /** Answers at once, without waiting for the body. */
    static final HttpRoute EARLY = x -> x.respond(HttpResponseStatus.OK, "text/plain", "early " + x.path());

    private static final String POST = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n";

    private TestFront front;

    @BeforeEach
    void start() {
        front = new TestFront(home, Map.of("idle-timeout", "3"));
        front.route(EARLY, Map.of(HttpRoute.PREFIX, "/"));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    /** A connection whose POST head was sent and answered at once, its body not sent yet. */
    private SSLSocket answeredBeforeItsBody() throws Exception {
        SSLSocket s = TrustingClient.connect(front.port());
        s.getOutputStream().write(POST.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertTrue(readAnswer(s.getInputStream()).endsWith("early /upload"));
        return s;
    }

    @Test
    void aClientThatStopsSendingTheBodyItWasAnsweredBeforeIsClosedAtIdleTimeout() throws Exception {
        // The head alone, answered at once; then the client stops.
        try (SSLSocket s = answeredBeforeItsBody()) {
            assertClosedAtIdleTimeout(s, s.getInputStream());
        }
    }

    @Test
    void aBodyDrippingAfterTheAnswerDoesNotRenewTheDeadline() throws Exception {
        try (SSLSocket s = answeredBeforeItsBody()) {
            OutputStream out = s.getOutputStream();
            // A byte a second, never reaching the 3000 the head announced.
            Thread drip = new Thread(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException closed) {
                    // closed by the server, as it should be
                }
            });
            drip.setDaemon(true);
            drip.start();
            assertClosedAtIdleTimeout(s, s.getInputStream());
        }
    }

    private static void assertClosedAtIdleTimeout(SSLSocket s, InputStream in) throws IOException {
        long start = System.nanoTime();
        s.setSoTimeout(15_000);
        int end;
        try {
            end = in.read();
        } catch (IOException reset) {
            end = -1;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(-1, end, "closed");
        assertTrue(millis >= 1500 && millis < 10_000, "at idle-timeout (3 s) after the answer, here " + millis + " ms");
    }

    @Test
    void aBodyThatEndsInTimeIsDroppedAndTheConnectionServesTheNextRequest() throws Exception {
        try (SSLSocket s = answeredBeforeItsBody()) {
            OutputStream out = s.getOutputStream();
            // The body in three parts 0.3 s apart, after the answer.
            for (int i = 0; i < 3; i++) {
                Thread.sleep(300);
                out.write("b".repeat(1000).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(readAnswer(s.getInputStream()).endsWith("early /next"), "the next request on the same connection");
        }
    }

    /**
     * A request that waits for 100 Continue before sending its body, answered without it (a refusal,
     * a 401): the client may send the body or not, so the connection cannot tell the body from the
     * next request, and closes after the answer (as Apache httpd). Its next request would otherwise
     * have been read as the body and dropped.
     */
    @Test
    void anAnswerToARequestWaitingFor100ContinueClosesTheConnection() throws Exception {
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 40\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String answer = readAnswer(in);
            assertTrue(answer.endsWith("early /upload"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
            // The client drops its body and sends its next request, which is not taken for the body.
            try {
                s.getOutputStream().write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (java.net.SocketException closedFirst) {
                return;
            }
            assertEquals(-1, in.read(), "closed after the answer");
        }
    }

    /**
     * Once 100 Continue was sent (as the proxy does at once), the client sends its body: an early
     * answer then reads and drops it, and the connection serves the next request.
     */
    @Test
    void anEarlyAnswerAfter100ContinueKeepsTheConnection() throws Exception {
        front.route(x -> {
            x.sendContinue();
            x.respond(HttpResponseStatus.OK, "text/plain", "early " + x.path());
        }, Map.of(HttpRoute.PREFIX, "/continue/"));
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /continue/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 40\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder interim = new StringBuilder();
            while (!interim.toString().endsWith("\r\n\r\n")) {
                interim.append((char) in.read());
            }
            assertTrue(interim.toString().startsWith("HTTP/1.1 100 Continue"), interim.toString());
            String answer = readAnswer(in);
            assertTrue(answer.endsWith("early /continue/x"), answer);
            assertFalse(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
            out.write(("b".repeat(40) + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(readAnswer(in).endsWith("early /next"), "the next request on the same connection");
        }
    }

    /** One answer with a Content-Length body: its head and body as text. */
    private static String readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the head: " + head);
            }
            head.append((char) c);
        }
        int at = head.indexOf("content-length: ") >= 0 ? head.indexOf("content-length: ") : head.indexOf("Content-Length: ");
        int length = Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at)).trim());
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }
}
