package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filter that goes away while its service lists the paths it guards (its bundle updated) leaves
 * them answered 503 until a filter of its name is back: never served without the credentials they
 * were meant to need. One that stops guarding on purpose says so first and leaves nothing held.
 */
class HeldGuardTest {

    @TempDir
    Path home;

    private TestFront front;

    /** Lets everything through (as a guard whose credentials were given would). */
    private static final class Passing implements HttpFilter {
        @Override
        public boolean beforeRoute(HttpExchange exchange) {
            return true;
        }
    }

    @BeforeEach
    void start() {
        front = new TestFront(home);
        front.route(x -> x.respond(HttpResponseStatus.OK, "text/plain", "served"), Map.of("gatehouse.http.prefix", "/"));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private String status(String path) throws Exception {
        try (SSLSocket s = TrustingClient.connect(front.port())) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aGuardGoneWhileGuardingLeavesItsPaths503UntilItIsBack() throws Exception {
        HttpFilter ldap = new Passing();
        front.filter(ldap, Map.of(HttpFilter.NAME, "ldap", HttpFilter.GUARDED_PATHS, new String[] {"/meet/", "/api/"}));
        assertEquals("HTTP/1.1 200", status("/meet/x"));
        front.unfilter(ldap);
        assertEquals("HTTP/1.1 503", status("/meet/x"));
        assertEquals("HTTP/1.1 503", status("/API/client"), "compared as the filters compare, in any case");
        assertEquals("HTTP/1.1 200", status("/static/x"), "paths it did not guard are served");
        for (String odd : List.of("/static/../meet/x", "/%6deet/x", "/meet;x/", "//meet/x")) {
            assertEquals("HTTP/1.1 503", status(odd), odd + ": a node might read it as a guarded path");
        }
        assertEquals(1, front.heldGuards().size());
        assertTrue(front.heldGuards().get(0).contains("HTTP filter ldap stopped while guarding /meet/, /api/"), front.heldGuards().toString());

        HttpFilter again = new Passing();
        front.filter(again, Map.of(HttpFilter.NAME, "ldap", HttpFilter.GUARDED_PATHS, "/meet/"));
        assertEquals("HTTP/1.1 200", status("/meet/x"), "its own again");
        assertEquals(List.of(), front.heldGuards());
    }

    /** The front door started again (its bundle refreshed, the server restarted) still holds a guard held before. */
    @Test
    void aHeldGuardOutlivesARestartOfTheFrontDoor() throws Exception {
        HttpFilter ldap = new Passing();
        front.filter(ldap, Map.of(HttpFilter.NAME, "ldap", HttpFilter.GUARDED_PATHS, "/meet/"));
        front.unfilter(ldap);
        front.close();
        front = new TestFront(home);
        front.route(x -> x.respond(HttpResponseStatus.OK, "text/plain", "served"), Map.of("gatehouse.http.prefix", "/"));
        assertEquals("HTTP/1.1 503", status("/meet/x"));
        assertEquals(1, front.heldGuards().size(), front.heldGuards().toString());
        front.filter(new Passing(), Map.of(HttpFilter.NAME, "ldap", HttpFilter.GUARDED_PATHS, "/meet/"));
        assertEquals("HTTP/1.1 200", status("/meet/x"));
        front.close();
        front = new TestFront(home);
        front.route(x -> x.respond(HttpResponseStatus.OK, "text/plain", "served"), Map.of("gatehouse.http.prefix", "/"));
        assertEquals(List.of(), front.heldGuards(), "nothing held once it was back");
    }

    @Test
    void aGuardThatStopsGuardingOnPurposeLeavesNothingHeld() throws Exception {
        HttpFilter ldap = new Passing();
        front.filter(ldap, Map.of(HttpFilter.NAME, "ldap", HttpFilter.GUARDED_PATHS, "/"));
        front.updateFilter(ldap, Map.of(HttpFilter.NAME, "ldap"));
        front.unfilter(ldap);
        assertEquals("HTTP/1.1 200", status("/meet/x"));
        assertEquals(List.of(), front.heldGuards());
    }
}
