package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/** A pool whose file is refused: what clients get, what the operator is told, and the way back. */
class PoolRefusedTest {

    @TempDir
    Path home;

    private String file(String pool) {
        return home.resolve("etc/org.gatehouse.balancer.pool-" + pool + ".cfg").toUri().toString();
    }

    @Test
    void aFileRefusedAtStartAnswers503NamingFileAndKeyContactsNoNodeAndIsAProblemUntilFixed() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "max-fails", "-1", "felix.fileinstall.filename", file("test")))) {
            HttpResponse<String> r = p.get("/api/x");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("the proxy's configuration for it is refused"), r.body());
            assertFalse(r.body().contains("max-fails") || r.body().contains("pool-test.cfg"), "no file, key or value on a public page: " + r.body());
            assertEquals(0, a.accepted.get(), "no node is contacted");

            PoolStatus s = p.pool.status();
            assertEquals("test", s.name());
            assertEquals(List.of("/"), s.routes(), "its routes stay claimed");
            assertFalse(s.serving());
            assertTrue(s.refused().contains("max-fails = '-1'"), s.refused());
            assertEquals(1, p.pool.problems().size(), p.pool.problems().toString());
            assertTrue(p.pool.problems().get(0).endsWith("max-fails = '-1' is out of range (0 to 1000); pool test is serving 503 on / until it is fixed"),
                    p.pool.problems().toString());

            // Still refused (another bad value): still 503, the Problem says the new reason.
            p.set("max-fails", "-2");
            assertEquals(503, p.get("/").statusCode());
            assertTrue(p.pool.problems().get(0).contains("max-fails = '-2'"), p.pool.problems().toString());

            p.set("max-fails", "1");
            assertEquals(200, p.get("/id").statusCode(), "the fixed file serves");
            assertEquals("a", p.get("/id").body());
            assertEquals(List.of(), p.pool.problems());
            assertNull(p.pool.status().refused());
            assertTrue(p.pool.status().serving());
        }
    }

    @Test
    void aFileRefusedLiveKeepsThePreviousSettingsAndIsAProblemUntilFixed() throws Exception {
        try (TestNode a = new TestNode("a", false);
                TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "felix.fileinstall.filename", file("test")))) {
            assertEquals(List.of(), p.pool.problems());
            p.set("max-fails", "-1");
            assertEquals("a", p.get("/id").body(), "traffic goes on");
            assertEquals(1, p.live().settings().maxFails());
            assertEquals(1, p.pool.problems().size());
            assertTrue(p.pool.problems().get(0).endsWith("max-fails = '-1' is out of range (0 to 1000); pool test is running on its previous "
                    + "settings until it is fixed"), p.pool.problems().toString());
            PoolStatus s = p.pool.status();
            assertTrue(s.serving());
            assertTrue(s.refused().contains("pool-test.cfg: max-fails = '-1'"), s.refused());
            assertEquals(1, s.nodes().size());

            p.set("max-fails", "3");
            assertEquals(3, p.live().settings().maxFails());
            assertEquals(List.of(), p.pool.problems());
            assertNull(p.pool.status().refused());
        }
    }

    /** Its routes key when that is valid; else the default pool's routes for the default pool; else none. */
    @Test
    void aPoolRefusedAtStartClaimsTheRoutesItWouldHave() throws Exception {
        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "routes", "/elsewhere/"))) {
            assertEquals(List.of("/api/", "/webapp/", "/static/", "/"),
                    refusedRoutes(p, "conferencing", Map.of("routes", "api", "max-fails", "-1")));
            assertEquals(List.of("/other/"), refusedRoutes(p, "conferencing", Map.of("routes", "/other/", "max-fails", "-1")));
            assertEquals(List.of("/other/"), refusedRoutes(p, "other", Map.of("routes", "/other/", "max-fails", "-1")));
            assertEquals(List.of(), refusedRoutes(p, "other", Map.of("routes", "other", "max-fails", "-1")));
            assertEquals(List.of(), refusedRoutes(p, "other", Map.of("max-fails", "-1")));
        }
    }

    private List<String> refusedRoutes(TestProxy p, String name, Map<String, Object> settings) {
        PoolComponent c = new PoolComponent();
        c.loops = p.front.loops();
        Map<String, Object> props = new HashMap<>(settings);
        props.put("service.pid", "org.gatehouse.balancer.pool~" + name);
        props.put("felix.fileinstall.filename", file(name));
        c.activate(null, props);
        try {
            assertFalse(c.status().serving());
            return c.status().routes();
        } finally {
            c.deactivate(0);
        }
    }

    /** Pool conferencing without a configuration (its file deleted): its routes answer the empty pool's 503, and any pool's route comes first. */
    @Test
    void theDefaultRoutesWithoutAPoolAnswer503AndAPoolsOwnRouteWins() throws Exception {
        List<Map<String, Object>> registered = new ArrayList<>();
        List<HttpRoute> routes = new ArrayList<>();
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (self, m, args) -> {
                    if (!m.getName().equals("registerService")) {
                        throw new UnsupportedOperationException(m.getName());
                    }
                    routes.add((HttpRoute) args[1]);
                    @SuppressWarnings("unchecked") Dictionary<String, Object> d = (Dictionary<String, Object>) args[2];
                    Map<String, Object> props = new HashMap<>();
                    for (var k = d.keys(); k.hasMoreElements(); ) {
                        String key = k.nextElement();
                        props.put(key, d.get(key));
                    }
                    registered.add(props);
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (s, mm, aa) -> null);
                });
        PoolsAdmin admin = new PoolsAdmin();
        admin.activate(context);
        assertEquals(1, registered.size());
        assertEquals(List.of("/api/", "/webapp/", "/static/", "/"), List.of((String[]) registered.get(0).get(HttpRoute.PREFIX)));
        assertEquals(Integer.MIN_VALUE, registered.get(0).get(Constants.SERVICE_RANKING));

        try (TestNode a = new TestNode("a", false); TestProxy p = new TestProxy(home, Map.of("nodes", a.address()))) {
            p.front.unroute(p.pool.served());
            p.front.route(routes.get(0), registered.get(0));
            HttpResponse<String> r = p.get("/api/x");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("No conferencing node is configured for this service yet."), r.body());

            p.front.route(p.pool.served(), Map.of(HttpRoute.PREFIX, "/"));
            assertEquals("a", p.get("/id").body(), "a pool's route at the same prefix, mounted later, comes first");
        }
    }
}
