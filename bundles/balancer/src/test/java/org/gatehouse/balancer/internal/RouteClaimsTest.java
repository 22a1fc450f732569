package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two pools that list the same route: one gets it, the other is told so in one line, and gets it when it is let go. */
class RouteClaimsTest {

    @TempDir
    Path home;

    /** The WARN lines logged while {@code r} runs. */
    private static List<String> warnings(ThrowingRunnable r) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(err);
        }
        System.err.print(captured.toString(StandardCharsets.UTF_8));
        return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" WARN ")).toList();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aRouteInTwoPoolsGoesToTheOneThatHadItAndTheOtherIsToldWhichFile() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "routes", "/api/, /"))) {
            PoolComponent second = new PoolComponent();
            second.loops = p.front.loops();
            try {
                List<String> w = warnings(() -> second.activate(null, Map.of("service.pid", "org.gatehouse.balancer.pool~second", "routes",
                        "/api/, /other/", "tls", "false", "felix.fileinstall.filename",
                        home.resolve("etc/org.gatehouse.balancer.pool-second.cfg").toUri().toString())));
                assertEquals(1, w.size(), w.toString());
                assertTrue(w.get(0).contains("etc/org.gatehouse.balancer.pool-second.cfg: route /api/ is also in pool test "
                        + "(configuration org.gatehouse.balancer.pool~test), which serves it: pool second does not get it"), w.get(0));
                assertEquals(List.of("/other/"), second.status().routes(), "proxy:nodes shows only the routes the pool gets");
                assertEquals(List.of("/api/", "/"), p.pool.status().routes());

                // The first pool lets the route go: the second gets it.
                assertEquals(List.of(), warnings(() -> p.set("routes", "/")));
                assertEquals(List.of("/api/", "/other/"), second.status().routes());

                // Now the first asks for it again: the second keeps it, and the first is told.
                w = warnings(() -> p.set("routes", "/, /api/"));
                assertEquals(1, w.size(), w.toString());
                assertTrue(w.get(0).contains("configuration org.gatehouse.balancer.pool~test: route /api/ is also in pool second "
                        + "(etc/org.gatehouse.balancer.pool-second.cfg), which serves it"), w.get(0));
                assertEquals(List.of("/"), p.pool.status().routes());
            } finally {
                second.deactivate(4);
            }
            assertEquals(List.of("/", "/api/"), p.pool.status().routes(), "the second pool's file deleted: the first gets the route");
        }
    }
}
