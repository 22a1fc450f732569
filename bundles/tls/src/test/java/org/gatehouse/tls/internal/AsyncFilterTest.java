package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;

/**
 * A filter that answers later ({@link HttpFilter#check}): the connection waits without blocking the
 * event loop, the body read meanwhile reaches the route whole, a refusal answers and keeps the
 * connection, and a client that leaves meanwhile never reaches the route.
 */
class AsyncFilterTest {

    @TempDir
    Path home;
    TestFront front;
    final List<String> routed = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Boolean>> pending = new CopyOnWriteArrayList<>();
    volatile CountDownLatch asked = new CountDownLatch(1);

    /** Echoes the path and the body; remembers which thread it ran on. */
    final HttpRoute echo = x -> {
        StringBuilder body = new StringBuilder();
        x.onBody(part -> {
            body.append(part.content().toString(StandardCharsets.UTF_8));
            part.release();
            if (part instanceof LastHttpContent) {
                routed.add(x.path() + " " + body + " " + x.eventLoop().inEventLoop());
                x.respond(HttpResponseStatus.OK, "text/plain", "routed " + x.path() + " [" + body + "]");
            }
        });
    };

    /** Holds every request until the test completes its stage; /deny is answered 401 on the event loop. */
    final HttpFilter later = new HttpFilter() {
        @Override
        public boolean beforeRoute(HttpExchange x) {
            throw new AssertionError("the front asks check(), not beforeRoute()");
        }

        @Override
        public CompletionStage<Boolean> check(HttpExchange x) {
            CompletableFuture<Boolean> decided = new CompletableFuture<>();
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            decided.thenAccept(go -> x.eventLoop().execute(() -> {
                if (!go) {
                    x.respond(HttpResponseStatus.UNAUTHORIZED, "text/plain", "no");
                }
                answer.complete(go);
            }));
            pending.add(decided);
            asked.countDown();
            return answer;
        }
    };

    @BeforeEach
    void start() {
        front = new TestFront(home);
        front.route(echo, Map.of(HttpRoute.PREFIX, "/"));
        front.filter(later, Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 1L));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    @Test
    void aPendingFilterHoldsTheRequestAndItsBodyWithoutBlockingOthers() throws Exception {
        try (SSLSocket a = TrustingClient.connect(front.port())) {
            send(a, "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
            assertTrue(asked.await(5, TimeUnit.SECONDS));
            Thread.sleep(200);
            assertTrue(routed.isEmpty(), "no route before the filter answers");

            // Another connection is served meanwhile: the event loops are not blocked by the wait.
            asked = new CountDownLatch(1);
            try (SSLSocket b = TrustingClient.connect(front.port())) {
                send(b, "GET /second HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
                assertTrue(asked.await(5, TimeUnit.SECONDS));
                pending.get(1).complete(true);
                assertTrue(readResponse(b).contains("routed /second []"));
            }

            pending.get(0).complete(true);
            String answer = readResponse(a);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("routed /first [hello world]"), answer);
            assertTrue(routed.contains("/first hello world true"), "the route runs on the event loop: " + routed);
        }
    }

    @Test
    void aRefusalAnswersAndTheConnectionServesTheNextRequest() throws Exception {
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            send(s, "POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsecre");
            assertTrue(asked.await(5, TimeUnit.SECONDS));
            pending.get(0).complete(false);
            String refused = readResponse(s);
            assertTrue(refused.startsWith("HTTP/1.1 401"), refused);

            asked = new CountDownLatch(1);
            send(s, "GET /next HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertTrue(asked.await(5, TimeUnit.SECONDS));
            pending.get(1).complete(true);
            assertTrue(readResponse(s).contains("routed /next []"));
            assertEquals(List.of("/next  true"), routed, "the refused request never reached the route");
        }
    }

    @Test
    void aClientThatLeavesWhileTheFilterWaitsNeverReachesTheRoute() throws Exception {
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            send(s, "GET /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertTrue(asked.await(5, TimeUnit.SECONDS));
        }
        Thread.sleep(300);
        pending.get(0).complete(true);
        Thread.sleep(300);
        assertTrue(routed.isEmpty(), routed.toString());
    }

    @Test
    void aFailedStageIsA500AndNeverTheRoute() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpFilter broken = new HttpFilter() {
            @Override
            public boolean beforeRoute(HttpExchange x) {
                return true;
            }

            @Override
            public CompletionStage<Boolean> check(HttpExchange x) {
                calls.incrementAndGet();
                return CompletableFuture.supplyAsync(() -> {
                    throw new IllegalStateException("directory exploded");
                });
            }
        };
        front.unfilter(later);
        front.filter(broken, Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 2L));
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            send(s, "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            String answer = readResponse(s);
            assertTrue(answer.startsWith("HTTP/1.1 500"), answer);
        }
        assertEquals(1, calls.get());
        assertTrue(routed.isEmpty());
    }

    @Test
    void aSynchronousFilterStillWorksThroughTheDefaultCheck() throws Exception {
        front.unfilter(later);
        HttpFilter gate = x -> {
            if (x.path().startsWith("/private")) {
                x.respond(HttpResponseStatus.FORBIDDEN, "text/plain", "private");
                return false;
            }
            return true;
        };
        front.filter(gate, Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 3L));
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            send(s, "POST /open HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertTrue(readResponse(s).contains("routed /open [abc]"));
            send(s, "GET /private HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertTrue(readResponse(s).startsWith("HTTP/1.1 403"));
        }
        assertFalse(routed.stream().anyMatch(r -> r.startsWith("/private")));
    }

    private static void send(SSLSocket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One response with a Content-Length body. */
    private static String readResponse(SSLSocket s) throws Exception {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString(StandardCharsets.US_ASCII);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
