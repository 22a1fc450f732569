package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.tls.FrontStatistics;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Responses counted by listener and status code as curl gets them; open connections followed. */
class FrontStatisticsTest {

    @TempDir
    Path home;

    @Test
    void responsesAreCountedByListenerAndStatus() throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        EventLoops loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
        TlsComponent tls = new TlsComponent();
        HttpFrontComponent front = new HttpFrontComponent();
        try {
            Map<String, Object> p = new HashMap<>();
            p.put("hostname", "gatehouse");
            p.put("domain", "example.com");
            p.put("https-listen", "127.0.0.1:0");
            p.put("http-listen", "127.0.0.1:0");
            tls.activate(p);
            front.loops = loops;
            front.certificates = tls;
            front.activate(null, p);
            front.bindRoute(x -> x.respond(HttpResponseStatus.OK, "text/plain", "ok"), Map.of(HttpRoute.PREFIX, "/ok"));
            int https = -1;
            int http = -1;
            for (Listener l : front.listeners()) {
                if (l.protocol().equals("tls")) {
                    https = l.address().getPort();
                } else {
                    http = l.address().getPort();
                }
            }
            String base = "https://127.0.0.1:" + https;
            HttpFrontTest.curl("-k", "-o", "/dev/null", base + "/ok", base + "/ok", base + "/missing");
            HttpFrontTest.curl("-o", "/dev/null", "http://127.0.0.1:" + http + "/ok");
            FrontStatistics s = front.statistics();
            assertEquals(Map.of(200, 2L, 404, 1L), s.responses(FrontStatistics.HTTPS));
            assertEquals(Map.of(301, 1L), s.responses(FrontStatistics.HTTP_REDIRECT));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.openConnections() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, s.openConnections(), "curl's connections closed");
            try (java.net.Socket open = new java.net.Socket("127.0.0.1", http)) {
                while (s.openConnections() != 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(s.openConnections() == 1, "one connection open: " + s.openConnections());
            }
        } finally {
            front.deactivate();
            tls.deactivate();
            EventLoopsAccess.stop(loops);
            System.clearProperty("gatehouse.home");
        }
    }
}
