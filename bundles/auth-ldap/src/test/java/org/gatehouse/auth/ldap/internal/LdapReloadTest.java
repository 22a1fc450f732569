package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.auth.ldap.DirectoryCheck.Step;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;

/**
 * Changes while the server runs: of the file (the login cache outlives those that do not change who
 * may log in) and of the CA file it names (taken without an edit of the .cfg); and the one-line
 * causes an operator reads when the directory cannot be reached.
 */
class LdapReloadTest {

    static final String ALICE = "uid=alice,ou=people," + TestDirectory.BASE;

    @TempDir
    Path home;
    TestFront front;
    TestCa ca;
    TestDirectory directory;
    LdapComponent ldap;
    Path caFile;

    @BeforeEach
    void start() throws Exception {
        ca = new TestCa("Gatehouse test CA");
        directory = new TestDirectory(ca.server);
        front = new TestFront(home);
        front.route(x -> x.respond(HttpResponseStatus.OK, "text/plain", "hello"), Map.of(HttpRoute.PREFIX, "/"));
        caFile = home.resolve("ldap-ca.pem");
    }

    @AfterEach
    void stop() {
        if (ldap != null) {
            ldap.deactivate();
        }
        front.close();
        directory.close();
    }

    Map<String, Object> config(String... keyValues) {
        Map<String, Object> p = new HashMap<>();
        p.put("service.pid", LdapSettings.PID);
        p.put("url", directory.url());
        p.put("bind-dn", TestDirectory.SERVICE);
        p.put("bind-password", TestDirectory.SERVICE_PASSWORD);
        p.put("base", TestDirectory.BASE);
        p.put("cache-seconds", "300");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    Map<String, Object> ldaps(String... keyValues) {
        Map<String, Object> p = config(keyValues);
        if (p.get("url").equals(directory.url())) {
            p.put("url", directory.ldaps());
        }
        p.put("ca-file", caFile.toString());
        return p;
    }

    void guard(Map<String, Object> config) {
        if (ldap != null) {
            // As the framework does: the service goes (its filter unbound), then the component stops.
            front.unfilter(ldap.filter());
            ldap.deactivate();
        }
        ldap = new LdapComponent();
        ldap.activate(null, config);
        front.filter(ldap.filter(), Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 10L));
    }

    String as(String user, String password) throws Exception {
        return Https.get(front.port(), "/meet/", "Authorization: " + Https.basic(user, password));
    }

    int status(String user, String password) throws Exception {
        return Integer.parseInt(as(user, password).substring(9, 12));
    }

    void alicesPassword(String password) throws Exception {
        directory.server.modify("dn: " + ALICE, "changetype: modify", "replace: userPassword", "userPassword: " + password);
    }

    interface Action {
        void run() throws Exception;
    }

    /** What the component logged (slf4j-simple, INFO and above, on System.err) while {@code a} ran. */
    static String logged(Action a) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            a.run();
        } finally {
            System.setErr(err);
        }
        String text = log.toString(StandardCharsets.UTF_8);
        err.print(text);
        return text;
    }

    static String report(List<Step> steps) {
        StringBuilder b = new StringBuilder();
        steps.forEach(s -> b.append(s.ok() ? "ok   " : "FAIL ").append(s.name()).append(": ").append(s.detail()).append('\n'));
        return b.toString();
    }

    /** Passwords over plain ldap:// are said once, naming the servers and the way out; another change does not repeat it. */
    @Test
    void aPlainLdapUrlWithoutStartTlsIsAWarningOnce() throws Exception {
        String first = logged(() -> guard(config()));
        assertTrue(first.contains("WARN") && first.contains("without start-tls: users' passwords cross the network to the directory in clear text")
                && first.contains(directory.url()), first);
        String again = logged(() -> ldap.modified(config("realm", "Video meetings")));
        assertFalse(again.contains("in clear text"), again);
    }

    // --- the login cache

    /** The audit's case: the directory stops, the operator changes only the realm; logins already accepted still pass. */
    @Test
    void theLoginCacheOutlivesChangesThatDoNotDecideLogins() throws Exception {
        guard(config());
        assertEquals(200, status("alice", "alice-secret"));
        // Made while the directory runs: its port reads -1 once it is shut down.
        Map<String, Object> realm = config("realm", "Video meetings");
        Map<String, Object> rest = config("realm", "Video meetings", "guarded-paths", "/meet/, /api/", "pool-size", "2", "connect-timeout", "3",
                "response-timeout", "3", "failure-limit", "5", "failure-window", "60", "forward-authorization", "true");
        directory.server.shutDown(true);
        ldap.modified(realm);
        assertEquals("Video meetings", ldap.inForce().realm(), "the change is in force");
        assertEquals(200, status("alice", "alice-secret"), "still remembered after a change of the realm");
        assertEquals(1, ldap.state().cached());
        ldap.modified(rest);
        assertEquals(200, status("alice", "alice-secret"), "nor do paths, pools, timeouts, limits or forwarding decide a login");
        assertEquals(1, ldap.state().cached());
        assertEquals(503, status("alice", "another"), "only that login: another password asks the directory");
    }

    /** Each of these changes who may log in: what the old settings accepted is asked again. */
    @Test
    void theLoginCacheIsForgottenWhenWhatDecidesALoginChanges() throws Exception {
        String group = TestDirectory.GROUP;
        String[][][] changes = {
            {{}, {"base", "ou=people," + TestDirectory.BASE}},
            {{}, {"user-filter", "(&(objectClass=inetOrgPerson)(uid={user}))"}},
            {{}, {"required-group", group}},
            {{"required-group", group}, {"required-group", group, "group-membership", "member-of"}},
            {{}, {"bind-dn", "cn=other,ou=services," + TestDirectory.BASE}},
            {{}, {"bind-password", "changed"}},
            {{}, {"url", "ldap://localhost:" + directory.port()}},
            {{}, {"start-tls", "true"}},
        };
        for (String[][] change : changes) {
            String what = List.of(change[1]).toString();
            alicesPassword("alice-secret");
            guard(config(change[0]));
            assertEquals(200, status("alice", "alice-secret"), what);
            alicesPassword("changed-in-the-directory");
            ldap.modified(config(change[1]));
            assertFalse(status("alice", "alice-secret") == 200, what + ": the old answer no longer holds");
            assertEquals(0, ldap.state().cached(), what);
        }
    }

    /** A changed cache-seconds applies to the logins already remembered: kept, for the new lifetime. */
    @Test
    void aChangedCacheLifetimeAppliesToTheLoginsAlreadyRemembered() throws Exception {
        guard(config());
        assertEquals(200, status("alice", "alice-secret"));
        alicesPassword("changed-in-the-directory");
        ldap.modified(config("cache-seconds", "2"));
        assertEquals(200, status("alice", "alice-secret"), "kept");
        Thread.sleep(2100);
        assertEquals(401, status("alice", "alice-secret"), "remembered 2 s, no longer 300");
        alicesPassword("alice-secret");
        assertEquals(200, status("alice", "alice-secret"));
        alicesPassword("changed-in-the-directory");
        ldap.modified(config("cache-seconds", "0"));
        ldap.modified(config("cache-seconds", "300"));
        assertEquals(401, status("alice", "alice-secret"), "0 forgets");
    }

    // --- the CA file

    /** The audit's case: ca-file named before the operator put the CA there. Taken within seconds, no edit of the .cfg. */
    @Test
    void aCaFileThatAppearsLaterIsTakenWithoutAnEditOfTheConfiguration() throws Exception {
        String refused = logged(() -> guard(ldaps()));
        assertTrue(refused.contains("ca-file = '" + caFile + "' cannot be read: no such file"), refused);
        assertFalse(refused.contains("NoSuchFileException"), refused);
        assertEquals(503, status("alice", "alice-secret"));
        Step step = ldap.test("alice", "alice-secret".toCharArray()).get(0);
        assertTrue(!step.ok() && step.detail().contains("no such file"), step.toString());

        String taken = logged(() -> {
            Files.writeString(caFile, ca.pem);
            long deadline = System.nanoTime() + (LdapComponent.CA_CHECK_SECONDS + 10) * 1_000_000_000L;
            while (status("alice", "alice-secret") != 200) {
                assertTrue(System.nanoTime() < deadline, "the CA file was not taken within " + (LdapComponent.CA_CHECK_SECONDS + 10) + " s");
                Thread.sleep(200);
            }
        });
        assertEquals(1, taken.lines().filter(l -> l.contains("INFO") && l.contains("took the new CA certificate(s) in ca-file = '"
                + caFile + "'")).count(), taken);
        assertEquals(null, ldap.state().problem());
        List<Step> steps = ldap.test("alice", "alice-secret".toCharArray());
        assertTrue(steps.stream().allMatch(Step::ok), report(steps));
    }

    /** A wrong CA replaced by the right one: the filter takes it, and ldap:test never says Accepted while the filter says 503. */
    @Test
    void aReplacedCaFileIsTakenAndLdapTestUsesTheFiltersTrust() throws Exception {
        Files.writeString(caFile, new TestCa("Some other CA").pem);
        guard(ldaps("cache-seconds", "0"));
        assertEquals(503, status("alice", "alice-secret"));
        List<Step> wrong = ldap.test("alice", "alice-secret".toCharArray());
        assertEquals("connect", wrong.get(0).name());
        assertTrue(!wrong.get(0).ok() && wrong.get(0).detail().endsWith(": certificate not trusted (PKIX path building failed)"), report(wrong));

        Files.writeString(caFile, ca.pem);
        List<Step> right = ldap.test("alice", "alice-secret".toCharArray());
        assertTrue(right.stream().allMatch(Step::ok), report(right));
        assertEquals(200, status("alice", "alice-secret"), "ldap:test said Accepted: so does the filter, at once");

        // New content that cannot be used: the filter keeps the CA it has, and ldap:test checks with that one and says so.
        String kept = logged(() -> Files.writeString(caFile, "not a certificate\n"));
        List<Step> withOld = new ArrayList<>();
        String log = logged(() -> withOld.addAll(ldap.test("alice", "alice-secret".toCharArray())));
        assertTrue(log.contains("keeping the configuration in force"), kept + log);
        assertEquals("ca-file", withOld.get(0).name(), report(withOld));
        assertTrue(withOld.get(0).detail().contains("which the filter refused"), report(withOld));
        assertTrue(withOld.stream().allMatch(Step::ok), report(withOld));
        assertEquals(200, status("alice", "alice-secret"));
        String none = logged(() -> ldap.checkCaFile());
        assertFalse(none.contains("ca-file"), "an unchanged file is not taken or refused again: " + none);
    }

    /**
     * New certificates in the same ca-file (a CA taken out as compromised, one added) forget the logins
     * remembered, as a change of ca-file does: they were accepted under the trust that changed.
     */
    @Test
    void newCertificatesInTheCaFileForgetRememberedLogins() throws Exception {
        Files.writeString(caFile, ca.pem);
        guard(ldaps("cache-seconds", "300"));
        assertEquals(200, status("alice", "alice-secret"));
        alicesPassword("changed-in-the-directory");
        assertEquals(200, status("alice", "alice-secret"), "remembered");
        Files.writeString(caFile, ca.pem + new TestCa("Another CA").pem);
        ldap.checkCaFile();
        assertEquals(401, status("alice", "alice-secret"), "asked again under the new trust");
    }

    /** A CA refused while a good configuration is in force: the good one stays, the refused one is taken once its CA is there. */
    @Test
    void aChangeRefusedForItsCaFileIsTakenWhenTheFileAppears() throws Exception {
        guard(config());
        assertEquals(200, status("alice", "alice-secret"));
        ldap.modified(ldaps("realm", "Video meetings"));
        assertTrue(as("bob", "wrong").contains("realm=\"Gatehouse\""), "the change is refused, the good one stays");
        Files.writeString(caFile, ca.pem);
        ldap.checkCaFile();
        assertTrue(as("bob", "wrong").contains("realm=\"Video meetings\""), "the change is in force");
        assertEquals(200, status("bob", "bob-secret"));
        assertTrue(ldap.state().servers().get(0).startsWith("ldaps://"), ldap.state().servers().toString());
    }

    // --- causes in one line

    @Test
    void connectionRefusedTimeoutAndHostnameMismatchAreOneLineCauses() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        guard(config("url", "ldap://127.0.0.1:" + closed, "cache-seconds", "0"));
        String refusedLog = logged(() -> assertEquals(503, status("alice", "alice-secret")));
        assertTrue(refusedLog.contains("no directory server answered (search failed: connection refused)"), refusedLog);
        List<Step> refused = ldap.test("alice", "alice-secret".toCharArray());
        assertEquals("ldap://127.0.0.1:" + closed + ": connection refused", refused.get(0).detail(), report(refused));

        Files.writeString(caFile, ca.pem);
        guard(ldaps("url", "ldaps://localhost:" + directory.server.getListenPort("ldaps"), "cache-seconds", "0"));
        String mismatchLog = logged(() -> assertEquals(503, status("alice", "alice-secret")));
        assertTrue(mismatchLog.contains("search failed: hostname mismatch"), mismatchLog);
        List<Step> mismatch = ldap.test("alice", "alice-secret".toCharArray());
        assertTrue(mismatch.get(0).detail().endsWith(": hostname mismatch (the server's certificate does not name the host in url)"),
                report(mismatch));

        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (Exception closing) {
                    // done
                }
            });
            t.setDaemon(true);
            t.start();
            guard(config("url", "ldap://127.0.0.1:" + silent.getLocalPort(), "cache-seconds", "0", "response-timeout", "1"));
            String timeoutLog = logged(() -> assertEquals(503, status("alice", "alice-secret")));
            assertTrue(timeoutLog.contains("search failed: timed out"), timeoutLog);
            List<Step> timeout = ldap.test("alice", "alice-secret".toCharArray());
            assertTrue(timeout.get(timeout.size() - 1).detail().endsWith(": timed out"), report(timeout));
            for (Socket s : accepted) {
                s.close();
            }
        }
        for (String line : (refusedLog + mismatchLog).lines().toList()) {
            assertFalse(line.contains("LDAPException(") || line.contains("ldapSDKVersion"), line);
        }
    }

    @Test
    void theStateNamesAnUnusableCaFileInOneLine() throws Exception {
        guard(ldaps());
        DirectoryCheck.State s = ldap.state();
        assertTrue(s.problem().endsWith("cannot be read: no such file (it is read again as soon as it changes)"), s.problem());
    }
}
