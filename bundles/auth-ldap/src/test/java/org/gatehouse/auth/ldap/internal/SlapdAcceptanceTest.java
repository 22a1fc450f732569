package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;

/**
 * Acceptance against a real OpenLDAP {@code slapd}: LDAPS and StartTLS with the CA file, the
 * server's name checked, search-then-bind and the group, through the HTTPS front door.
 */
class SlapdAcceptanceTest {

    @TempDir
    static Path dir;
    static Slapd slapd;

    @TempDir
    Path home;
    TestFront front;
    LdapComponent ldap;

    @BeforeAll
    static void startSlapd() throws Exception {
        String missing = Slapd.missing();
        if (missing != null) {
            System.out.println("[SlapdAcceptanceTest] " + missing);
        }
        Assumptions.assumeTrue(missing == null, missing);
        slapd = new Slapd(dir.resolve("slapd"));
    }

    @AfterAll
    static void stopSlapd() {
        if (slapd != null) {
            slapd.close();
        }
    }

    @BeforeEach
    void start() {
        front = new TestFront(home);
        front.route(x -> x.respond(HttpResponseStatus.OK, "text/plain", "hello"), Map.of(HttpRoute.PREFIX, "/"));
    }

    @AfterEach
    void stop() {
        if (ldap != null) {
            ldap.deactivate();
        }
        front.close();
    }

    Map<String, Object> config(String url, String... keyValues) {
        Map<String, Object> p = new HashMap<>();
        p.put("service.pid", LdapSettings.PID);
        p.put("url", url);
        p.put("ca-file", slapd.caFile.toString());
        p.put("bind-dn", Slapd.SERVICE);
        p.put("bind-password", "service-secret");
        p.put("base", Slapd.BASE);
        p.put("user-filter", "(&(objectClass=inetOrgPerson)(uid={user}))");
        p.put("required-group", Slapd.GROUP);
        p.put("cache-seconds", "0");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    void guard(Map<String, Object> config) {
        ldap = new LdapComponent();
        ldap.activate(null, config);
        front.filter(ldap.filter(), Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 20L));
    }

    String as(String user, String password) throws Exception {
        return Https.get(front.port(), "/meet/", "Authorization: " + Https.basic(user, password));
    }

    @Test
    void ldapsWithTheCaFile() throws Exception {
        guard(config(slapd.ldaps()));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        assertTrue(as("alice", "wrong").startsWith("HTTP/1.1 401"));
        assertTrue(as("bob", "bob-secret").startsWith("HTTP/1.1 401"), "bob is not in the group");
        assertTrue(as("*", "alice-secret").startsWith("HTTP/1.1 401"));
        assertTrue(Https.get(front.port(), "/meet/").startsWith("HTTP/1.1 401"));
    }

    @Test
    void startTlsWithTheCaFile() throws Exception {
        guard(config(slapd.ldap(), "start-tls", "true"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        assertTrue(as("alice", "").startsWith("HTTP/1.1 401"));
    }

    @Test
    void aServerCertificateNotFromTheCaIsRefusedAndNothingPasses() throws Exception {
        Map<String, Object> c = config(slapd.ldaps());
        c.remove("ca-file");
        guard(c);
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 503"), "the Java trust store does not know the test CA");
    }

    @Test
    void failoverFromAStoppedServerToSlapd() throws Exception {
        guard(config("ldaps://127.0.0.1:1, " + slapd.ldaps()));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
    }

    @Test
    void ldapTestWalksTheStepsOverStartTls() {
        ldap = new LdapComponent();
        ldap.activate(null, config(slapd.ldap(), "start-tls", "true"));
        List<DirectoryCheck.Step> steps = ldap.test("alice", "alice-secret".toCharArray());
        assertEquals(List.of("connect", "service bind", "search", "user bind", "group"),
                steps.stream().map(DirectoryCheck.Step::name).toList(), steps.toString());
        assertTrue(steps.stream().allMatch(DirectoryCheck.Step::ok), steps.toString());
        assertTrue(steps.get(0).detail().contains("TLS verified"), steps.toString());
        List<DirectoryCheck.Step> bob = ldap.test("bob", "bob-secret".toCharArray());
        assertEquals("group", bob.get(bob.size() - 1).name());
        assertTrue(!bob.get(bob.size() - 1).ok(), bob.toString());
    }
}
