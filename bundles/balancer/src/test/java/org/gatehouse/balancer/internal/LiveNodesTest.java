package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes change under load: wrk drives requests and 50 event streams stay open while a node is added,
 * another drained and then removed. No request fails, no stream breaks, the removed node's streams
 * go on, and after five minutes of silence every stream still delivers the next event.
 */
class LiveNodesTest {

    private static final long SILENCE_NANOS = TimeUnit.MINUTES.toNanos(5);

    @TempDir
    Path home;

    /** One open event stream: the lines it received. */
    private static final class EventStream {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final HttpResponse<Stream<String>> response;
        volatile boolean ended;

        EventStream(TestProxy p) throws Exception {
            response = p.client.send(HttpRequest.newBuilder(p.uri("/events")).build(), HttpResponse.BodyHandlers.ofLines());
            Thread t = new Thread(() -> {
                try {
                    response.body().forEach(l -> {
                        if (!l.isEmpty()) {
                            lines.add(l);
                        }
                    });
                } catch (RuntimeException closed) {
                    // ends below
                }
                ended = true;
            });
            t.setDaemon(true);
            t.start();
        }

        String node() throws InterruptedException {
            String first = lines.poll(10, TimeUnit.SECONDS);
            assertTrue(first != null && first.startsWith(": open "), String.valueOf(first));
            return first.substring(7);
        }
    }

    @Test
    void nodesAddedDrainedAndRemovedUnderLoadWithoutAFailedRequestOrABrokenStream() throws Exception {
        if (!new File("/usr/bin/wrk").canExecute()) {
            System.out.println("SKIPPED LiveNodesTest: /usr/bin/wrk not installed (Debian package wrk)");
            Assumptions.assumeTrue(false, "wrk not installed");
        }
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false); TestNode c = new TestNode("c", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address() + ", " + b.address()))) {
            long opened = System.nanoTime();
            List<EventStream> streams = new ArrayList<>();
            int onB = 0;
            for (int i = 0; i < 50; i++) {
                EventStream s = new EventStream(p);
                streams.add(s);
                if (s.node().equals("b")) {
                    onB++;
                }
            }
            assertEquals(25, onB, "round robin spreads the streams");

            Process wrk = new ProcessBuilder("/usr/bin/wrk", "-t1", "-c8", "-d12s", p.uri("/id").toString()).redirectErrorStream(true).start();
            Thread.sleep(3000);
            p.set("nodes", a.address() + ", " + b.address() + ", " + c.address());
            Thread.sleep(3000);
            p.set("nodes", a.address() + ", " + b.address() + " drain, " + c.address());
            Thread.sleep(500);
            int bAtDrain = b.byPath.get("/id").get();
            Thread.sleep(2500);
            p.set("nodes", a.address() + ", " + c.address());
            assertTrue(wrk.waitFor(60, TimeUnit.SECONDS));
            String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("[wrk while nodes changed]\n" + out);
            Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
            assertTrue(requests.find(), out);
            assertTrue(Long.parseLong(requests.group(1)) > 1000, out);
            assertFalse(out.contains("Socket errors"), "no connect/read/write/timeout errors:\n" + out);
            assertFalse(out.contains("Non-2xx"), "every answer 200:\n" + out);
            assertTrue(c.byPath.get("/id").get() > 100, "the added node took its share");
            assertTrue(b.byPath.get("/id").get() - bAtDrain <= 8, "a drained node gets no new requests (at most those in flight)");

            // The removed node's streams go on; its kept-alive connections are closed.
            ProxyingTest.waitFor(() -> b.openConnections() == 25, "only b's 25 streams stay connected: " + b.openConnections());
            every(streams, a, b, c, "after-changes");
            System.out.printf("50 streams open; holding them silent until 5 minutes after they opened (%d s to go)%n",
                    TimeUnit.NANOSECONDS.toSeconds(SILENCE_NANOS - (System.nanoTime() - opened)));
            long sinceLast = System.nanoTime();
            while (System.nanoTime() - sinceLast < SILENCE_NANOS) {
                Thread.sleep(1000);
            }
            every(streams, a, b, c, "after-5-minutes-of-silence");
            for (EventStream s : streams) {
                assertFalse(s.ended);
                s.response.body().close();
            }
        }
    }

    private static void every(List<EventStream> streams, TestNode a, TestNode b, TestNode c, String event) throws Exception {
        a.send(event);
        b.send(event);
        c.send(event);
        for (EventStream s : streams) {
            assertEquals("data: " + event, s.lines.poll(5, TimeUnit.SECONDS), "every stream gets the event");
            assertFalse(s.ended);
        }
    }
}
