package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
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
}
