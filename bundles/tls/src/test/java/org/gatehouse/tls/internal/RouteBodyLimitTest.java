package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route's own body limit ({@link HttpRoute#MAX_BODY}) refuses a request whose Content-Length is
 * above it with 413 before the route sees it, as the listener's max-body does before routing: the
 * route would otherwise have taken the head and the first bytes and been cut off in the middle.
 */
class RouteBodyLimitTest {

    @TempDir
    Path home;

    private final AtomicInteger handled = new AtomicInteger();
    private TestFront front;

    @BeforeEach
    void start() {
        front = new TestFront(home);
        HttpRoute route = x -> {
            handled.incrementAndGet();
            x.respond(HttpResponseStatus.OK, "text/plain", "taken");
        };
        front.route(route, Map.of(HttpRoute.PREFIX, "/small/", HttpRoute.MAX_BODY, 100L));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private String send(String request) throws Exception {
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aContentLengthAboveTheRoutesLimitIs413BeforeTheRouteSeesIt() throws Exception {
        String answer = send("POST /small/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" + "a".repeat(101));
        assertEquals("HTTP/1.1 413", answer);
        assertEquals(0, handled.get(), "the route never saw the request");
    }

    @Test
    void aContentLengthWithinTheRoutesLimitIsServed() throws Exception {
        String answer = send("POST /small/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "a".repeat(100));
        assertEquals("HTTP/1.1 200", answer);
        assertEquals(1, handled.get());
    }

    /** The listener's max-body holds for every route: a route's larger limit does not raise it. */
    @Test
    void theListenersMaxBodyHoldsForARouteThatAllowsMore() throws Exception {
        front.close();
        front = new TestFront(home, Map.of("max-body", "1000"));
        // Answers once the whole body is in.
        front.route(x -> x.onBody(c -> {
            boolean last = c instanceof io.netty.handler.codec.http.LastHttpContent;
            c.release();
            if (last) {
                x.respond(HttpResponseStatus.OK, "text/plain", "taken");
            }
        }), Map.of(HttpRoute.PREFIX, "/big/", HttpRoute.MAX_BODY, 1_000_000L));
        assertEquals("HTTP/1.1 413", send("POST /big/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n"));
        assertEquals("HTTP/1.1 413", send("POST /big/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n"
                + "a".repeat(2000) + "\r\n0\r\n\r\n"));
    }

    /** A route that counts the body bytes it is handed and answers with their number once the body ends. */
    private HttpRoute counting(AtomicLong received) {
        return x -> x.onBody(c -> {
            received.addAndGet(c.content().readableBytes());
            boolean last = c instanceof LastHttpContent;
            c.release();
            if (last) {
                x.respond(HttpResponseStatus.OK, "text/plain", "got " + received.get());
            }
        });
    }

    private static String chunked(String path, int bytes) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(bytes) + "\r\n"
                + "a".repeat(bytes) + "\r\n0\r\n\r\n";
    }

    /**
     * A chunked body over the route's limit sent with its head in one write: its first bytes were read
     * before the route was chosen, and were not held to the route's limit.
     */
    @Test
    void aChunkedBodyOverTheRoutesLimitInTheSameReadAsItsHeadIs413() throws Exception {
        AtomicLong received = new AtomicLong();
        front.route(counting(received), Map.of(HttpRoute.PREFIX, "/counted/", HttpRoute.MAX_BODY, 100L));
        assertEquals("HTTP/1.1 413", send(chunked("/counted/upload", 101)));
        assertTrue(received.get() <= 100, "the route was handed " + received.get() + " bytes");
        assertEquals("HTTP/1.1 200", send(chunked("/counted/upload", 100)));
    }

    /** The same while a filter decides later: the body parts read meanwhile wait, then are held to the limit. */
    @Test
    void aBodyReadWhileAFilterDecidesIsHeldToTheRoutesLimit() throws Exception {
        AtomicLong received = new AtomicLong();
        front.route(counting(received), Map.of(HttpRoute.PREFIX, "/counted/", HttpRoute.MAX_BODY, 100L));
        front.filter(new HttpFilter() {
            @Override
            public boolean beforeRoute(HttpExchange exchange) {
                return true;
            }

            @Override
            public CompletableFuture<Boolean> check(HttpExchange exchange) {
                return CompletableFuture.supplyAsync(() -> true, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
            }
        }, Map.of());
        assertEquals("HTTP/1.1 413", send(chunked("/counted/upload", 101)));
        assertTrue(received.get() <= 100, "the route was handed " + received.get() + " bytes");
    }

    /** A route's limit holds for its own request: the pipelined request behind it, to another route, is not held to it. */
    @Test
    void aRoutesLimitDoesNotHoldForTheNextPipelinedRequest() throws Exception {
        AtomicLong small = new AtomicLong();
        AtomicLong big = new AtomicLong();
        front.route(counting(small), Map.of(HttpRoute.PREFIX, "/counted/", HttpRoute.MAX_BODY, 5L));
        front.route(counting(big), Map.of(HttpRoute.PREFIX, "/unlimited/"));
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            s.getOutputStream().write((chunked("/counted/a", 3) + chunked("/unlimited/b", 8)).getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(5000);
            StringBuilder answers = new StringBuilder();
            InputStream in = s.getInputStream();
            for (int b; !(answers.indexOf("got 3") >= 0 && answers.indexOf("got 8") >= 0) && (b = in.read()) >= 0; ) {
                answers.append((char) b);
            }
            assertTrue(answers.indexOf("got 3") >= 0 && answers.indexOf("got 8") >= 0, answers.toString());
        }
    }
}
