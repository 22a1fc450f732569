package org.gatehouse.tls.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.HttpRoute;

/**
 * The HTTPS front door on loopback (self-signed certificate, HTTP redirect off), outside OSGi, for
 * other bundles' tests: published in this module's test jar.
 */
public final class TestFront implements AutoCloseable {

    private final EventLoops loops;
    private final TlsComponent tls = new TlsComponent();
    private final HttpFrontComponent front = new HttpFrontComponent();
    private final int port;

    public TestFront(Path home) {
        this(home, Map.of());
    }

    /** With {@code settings} added to (or replacing) the defaults of etc/org.gatehouse.tls.cfg. */
    public TestFront(Path home, Map<String, Object> settings) {
        System.setProperty("gatehouse.home", home.toString());
        loops = EventLoopsAccess.start(Map.of("io-threads", "2"));
        Map<String, Object> p = withDefaults(settings);
        tls.activate(p);
        front.loops = loops;
        front.certificates = tls;
        front.activate(null, p);
        int found = -1;
        for (Listener l : front.listeners()) {
            found = l.address().getPort();
        }
        port = found;
    }

    /** The file changed: {@code settings} on the same defaults as at the start. */
    public void modify(Map<String, Object> settings) {
        front.modified(withDefaults(settings));
    }

    /** The test's defaults of etc/org.gatehouse.tls.cfg (loopback, no HTTP redirect), with {@code settings} over them. */
    private static Map<String, Object> withDefaults(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        p.put("https-listen", "127.0.0.1:0");
        p.put("http-listen", "");
        p.putAll(settings);
        return p;
    }

    public EventLoops loops() {
        return loops;
    }

    public int port() {
        return port;
    }

    /** Client connections open now. */
    public int openConnections() {
        return front.statistics().openConnections();
    }

    public org.gatehouse.tls.ServerCertificates certificates() {
        return tls;
    }

    public void route(HttpRoute route, Map<String, Object> properties) {
        front.bindRoute(route, properties);
    }

    public void unroute(HttpRoute route) {
        front.unbindRoute(route);
    }

    /** Adds a filter as the whiteboard would; {@code properties} may carry service.ranking and service.id. */
    public void filter(HttpFilter filter, Map<String, Object> properties) {
        front.bindFilter(filter, properties);
    }

    /** The front's lines for guards held in place of filters gone while guarding. */
    public List<String> heldGuards() {
        return front.heldGuards();
    }

    public void updateFilter(HttpFilter filter, Map<String, Object> properties) {
        front.updatedFilter(filter, properties);
    }

    public void unfilter(HttpFilter filter) {
        front.unbindFilter(filter);
    }

    @Override
    public void close() {
        front.deactivate();
        tls.deactivate();
        EventLoopsAccess.stop(loops);
        System.clearProperty("gatehouse.home");
    }
}
