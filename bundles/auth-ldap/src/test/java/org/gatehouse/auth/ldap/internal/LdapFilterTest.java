package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;

/** The filter on the real HTTPS front door against UnboundID's in-memory directory. */
class LdapFilterTest {

    @TempDir
    Path home;
    TestFront front;
    TestDirectory directory;
    LdapComponent ldap;
    final List<String> routed = new CopyOnWriteArrayList<>();

    final HttpRoute hello = x -> {
        routed.add(x.path() + " authorization=" + x.request().headers().get(HttpHeaderNames.AUTHORIZATION));
        x.respond(HttpResponseStatus.OK, "text/plain", "hello " + x.path());
    };

    @BeforeEach
    void start() throws Exception {
        directory = new TestDirectory();
        front = new TestFront(home);
        front.route(hello, Map.of(HttpRoute.PREFIX, "/"));
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
        p.put("realm", "Video meetings");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    void guard(Map<String, Object> config) {
        ldap = new LdapComponent();
        ldap.activate(null, config);
        front.filter(ldap.filter(), Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 10L));
    }

    String get(String path, String... headers) throws Exception {
        return Https.get(front.port(), path, headers);
    }

    String as(String user, String password) throws Exception {
        return get("/meet/", "Authorization: " + Https.basic(user, password));
    }

    static void assertChallenge(String answer) {
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(answer.contains("www-authenticate: Basic realm=\"Video meetings\", charset=\"UTF-8\""), answer);
    }

    @Test
    void noCredentialsGetAChallengeAndTheRightOnesGetTheRouteWithoutTheHeader() throws Exception {
        guard(config());
        assertChallenge(get("/meet/"));
        String ok = as("alice", "alice-secret");
        assertTrue(ok.startsWith("HTTP/1.1 200") && ok.contains("hello /meet/"), ok);
        assertEquals(List.of("/meet/ authorization=null"), routed, "the directory password is not passed on");
        assertTrue(directory.binds.contains("uid=alice,ou=people," + TestDirectory.BASE), directory.binds.toString());
        assertTrue(directory.binds.contains(TestDirectory.SERVICE), "search-then-bind: the service account searched");
    }

    @Test
    void wrongPasswordUnknownUserAndTwoMatchingEntriesAreRefused() throws Exception {
        guard(config());
        assertChallenge(as("alice", "wrong"));
        assertChallenge(as("nobody", "whatever"));
        int bindsBefore = directory.binds.size();
        assertChallenge(as("twin", "twin-secret"));
        assertEquals(bindsBefore, directory.binds.size(), "no user bind when two entries match");
        assertTrue(routed.isEmpty());
        DirectoryCheck.Statistics s = ldap.statistics();
        assertEquals(3, s.wrongCredentials());
        assertEquals(0, s.accepted() + s.malformed() + s.rateLimited() + s.unavailable());
        assertEquals(DirectoryCheck.Reachability.REACHABLE, s.directory(), "a refusal is an answer");
    }

    @Test
    void anEmptyPasswordIsRefusedBeforeAnyBind() throws Exception {
        guard(config());
        assertChallenge(as("alice", ""));
        assertTrue(directory.binds.isEmpty(), directory.binds.toString());
        assertTrue(directory.filters.isEmpty(), "not even a search");
        assertEquals(1, ldap.statistics().malformed());
        assertEquals(0, ldap.statistics().wrongCredentials());
        assertEquals(DirectoryCheck.Reachability.UNKNOWN, ldap.statistics().directory(), "the directory was not asked");
    }

    @Test
    void injectionAttemptsAreEscapedIntoTheFilter() throws Exception {
        guard(config());
        assertChallenge(as("*", "alice-secret"));
        assertChallenge(as("alice)(uid=*", "alice-secret"));
        assertChallenge(as("*)(|(uid=*", "x"));
        assertChallenge(as("\\00", "alice-secret"));
        assertChallenge(as("alice\u0000", "alice-secret"));
        assertTrue(directory.filters.contains("(uid=\\2a)"), directory.filters.toString());
        assertTrue(directory.filters.contains("(uid=alice\\29\\28uid=\\2a)"), directory.filters.toString());
        assertTrue(directory.filters.contains("(uid=\\5c00)"), directory.filters.toString());
        assertFalse(directory.filters.stream().anyMatch(f -> f.contains("\u0000")), "a NUL never reaches the directory");
        assertFalse(directory.binds.contains("uid=alice,ou=people," + TestDirectory.BASE));
        assertTrue(routed.isEmpty());
    }

    @Test
    void aNonAsciiUserNameInUtf8Works() throws Exception {
        guard(config());
        assertTrue(as("Jörg Ünal", "pässwörd").startsWith("HTTP/1.1 200"));
    }

    @Test
    void aRequiredGroupIsCheckedThroughMemberAndThroughMemberOf() throws Exception {
        guard(config("required-group", TestDirectory.GROUP));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        assertChallenge(as("bob", "bob-secret"));
        ldap.modified(config("required-group", TestDirectory.GROUP, "group-membership", "memberOf"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        assertChallenge(as("bob", "bob-secret"));
        ldap.modified(config("required-group", "cn=missing,ou=groups," + TestDirectory.BASE));
        assertChallenge(as("alice", "alice-secret"));
    }

    @Test
    void aDirectoryThatIsDownGets503AndNothingPasses() throws Exception {
        guard(config("cache-seconds", "0"));
        directory.server.shutDown(true);
        String answer = as("alice", "alice-secret");
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("retry-after: 30"), answer);
        assertTrue(routed.isEmpty());
        assertEquals(1, ldap.state().unavailable());
        assertEquals(1, ldap.statistics().unavailable());
        assertEquals(DirectoryCheck.Reachability.UNREACHABLE, ldap.statistics().directory());
    }

    @Test
    void theNextServerIsUsedWhenTheFirstDoesNotAnswer() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        guard(config("url", "ldap://127.0.0.1:" + closed + ", " + directory.url()));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
    }

    @Test
    void malformedAuthorizationHeadersGetAChallengeNeverA500() throws Exception {
        guard(config());
        String[] bad = {
            "Authorization: Basic !!!notbase64",
            "Authorization: Bearer abc.def.ghi",
            "Authorization: Basic",
            "Authorization: Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.US_ASCII)),
            "Authorization: Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xC3, 0x28, ':', 'x'}),
            "Authorization: Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xFF, (byte) 0xFE, ':', 'x'}),
            "Authorization: Basic " + Base64.getEncoder().encodeToString(("a".repeat(5000) + ":x").getBytes(StandardCharsets.US_ASCII)),
            "Authorization: Basic " + Base64.getEncoder().encodeToString((":alice-secret").getBytes(StandardCharsets.US_ASCII)),
        };
        for (String header : bad) {
            assertChallenge(get("/meet/", header));
        }
        assertChallenge(get("/meet/", "Authorization: " + Https.basic("alice", "alice-secret"), "Authorization: " + Https.basic("bob", "x")));
        assertTrue(routed.isEmpty());
        assertTrue(directory.binds.isEmpty(), "none of these reached the directory: " + directory.binds);
        assertEquals(bad.length + 1, ldap.statistics().malformed());
        assertEquals(0, ldap.statistics().wrongCredentials());
    }

    static String basicOf(byte[] userColonPassword) {
        return "Authorization: Basic " + Base64.getEncoder().encodeToString(userColonPassword);
    }

    static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String) {
                out.writeBytes(((String) p).getBytes(StandardCharsets.UTF_8));
            } else {
                for (int b : (int[]) p) {
                    out.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void credentialsThatAreNotUtf8GetAChallengeAndNeverReachTheDirectory() throws Exception {
        guard(config());
        String[] bad = {
            basicOf(bytes("J", new int[] {0xF6}, "rg:p", new int[] {0xE4}, "ss")), // ISO-8859-1, as old browsers send it
            basicOf(bytes("alice", new int[] {0xC0, 0xBA}, "alice-secret")), // an overlong ':' must not split the name
            basicOf(bytes("al", new int[] {0xC0, 0x80}, "ice:alice-secret")), // an overlong NUL
            basicOf(bytes("a", new int[] {0xED, 0xA0, 0x80}, "b:x")), // an encoded surrogate (CESU-8)
            basicOf(bytes("a", new int[] {0xF4, 0x90, 0x80, 0x80}, ":x")), // beyond U+10FFFF
            basicOf(bytes("alice", new int[] {0xE2, 0x82}, ":x")), // a sequence cut short
            basicOf(bytes("alice:", new int[] {0xFF}, "alice-secret")), // the password too
        };
        for (String header : bad) {
            assertChallenge(get("/meet/", header));
        }
        assertTrue(routed.isEmpty(), routed.toString());
        assertTrue(directory.binds.isEmpty(), directory.binds.toString());
        assertTrue(directory.filters.isEmpty(), directory.filters.toString());
    }

    @Test
    void oversizedCredentialsGetAChallengeOrAre431BeforeAnyFilterNeverA500() throws Exception {
        guard(config());
        String longest = "u".repeat(BasicCredentials.MAX_USER);
        assertChallenge(as(longest + "x", "secret"));
        assertTrue(directory.filters.isEmpty(), "a name over " + BasicCredentials.MAX_USER + " characters is not looked up");
        assertChallenge(as("é".repeat(BasicCredentials.MAX_USER + 1), "secret"));
        assertChallenge(as("alice", "p".repeat(5000)));
        assertChallenge(as("alice", "p".repeat(BasicCredentials.MAX_HEADER)));
        assertTrue(directory.binds.isEmpty(), directory.binds.toString());
        // At the limits themselves the directory is asked, and says no.
        assertChallenge(as(longest, "secret"));
        assertTrue(directory.filters.contains("(uid=" + longest + ")"), directory.filters.toString());
        // A header larger than the front door reads at all is refused by it, before any filter or route.
        String huge = get("/meet/", "Authorization: Basic " + "QUFB".repeat(10_000));
        assertTrue(huge.startsWith("HTTP/1.1 431"), huge);
        assertTrue(routed.isEmpty(), routed.toString());
    }

    @Test
    void controlCharactersInTheUserNameGetAChallengeBeforeAnySearch() throws Exception {
        guard(config());
        for (String user : List.of("alice\u0001", "alice\n", "alice\r\nuid=bob", "alice\u007f", "alice\u0085", "alice\u009b31m")) {
            assertChallenge(as(user, "alice-secret"));
        }
        assertTrue(directory.filters.isEmpty(), "refused as malformed, not looked up: " + directory.filters);
        assertTrue(routed.isEmpty(), routed.toString());
    }

    @Test
    void oddlyFormedHeadersGetAChallengeNeverA500() throws Exception {
        guard(config());
        String[] bad = {
            "Authorization:",
            "Authorization: Basic ====",
            "Authorization: Basic YWxpY2U6YWxpY2Utc2VjcmV0 extra",
            "Authorization: Basic YWxpY2U6YWxpY2Utc2VjcmV0,Basic Ym9iOmJvYi1zZWNyZXQ=",
            "Authorization: Basic\tYWxpY2U6YWxpY2Utc2VjcmV0x",
            "Authorization: Digest username=\"alice\", realm=\"Video meetings\"",
            "Authorization: " + "Basic ".repeat(100),
        };
        for (String header : bad) {
            assertChallenge(get("/meet/", header));
        }
        // Bytes beyond ASCII in the header line itself (obs-text), sent raw.
        byte[] raw = bytes("GET /meet/ HTTP/1.1\r\nHost: gatehouse.example.com\r\nConnection: close\r\nAuthorization: Basic ",
                new int[] {0xC3, 0xA9, 0xFF}, "YWxpY2U6YWxpY2Utc2VjcmV0\r\n\r\n");
        String answer = Https.send(front.port(), raw);
        assertTrue(answer.startsWith("HTTP/1.1 401") || answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(routed.isEmpty(), routed.toString());
        assertTrue(directory.binds.isEmpty(), directory.binds.toString());
    }

    @Test
    void failedAttemptsFromOneAddressAreRateLimited() throws Exception {
        guard(config("failure-limit", "3", "failure-window", "60"));
        for (int i = 0; i < 3; i++) {
            assertChallenge(as("alice", "guess" + i));
        }
        String limited = as("alice", "alice-secret");
        assertTrue(limited.startsWith("HTTP/1.1 429"), limited);
        assertTrue(limited.contains("retry-after: "), limited);
        assertTrue(routed.isEmpty());
        assertEquals(3, ldap.statistics().wrongCredentials());
        assertEquals(1, ldap.statistics().rateLimited());
        assertEquals(4, ldap.state().refused(), "the sum the shell shows");
    }

    /**
     * An office behind one address: bob's browser keeps sending an old password; bob is held to
     * failure-limit there (his right password too, as a guesser's would be), alice is not, until all
     * failures from the address together reach address-failure-limit.
     */
    @Test
    void oneNameFailingDoesNotLockOutTheOthersBehindTheSameAddress() throws Exception {
        guard(config("failure-limit", "3", "address-failure-limit", "5", "failure-window", "60"));
        for (int i = 0; i < 3; i++) {
            assertChallenge(as("bob", "last-years-password"));
        }
        assertTrue(as("bob", "bob-secret").startsWith("HTTP/1.1 429"), "bob is held from this address");
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "alice, behind the same address, is not");
        assertChallenge(as("alice", "typo"));
        assertChallenge(as("alice", "typo again"));
        String all = as("alice", "alice-secret");
        assertTrue(all.startsWith("HTTP/1.1 429"), "five failures from the address hold every name: " + all);
    }

    /**
     * A directory that refuses every simple bind as unprotected (Active Directory requiring LDAP
     * signing: 8 strong authentication required; 13 confidentiality required) is the configuration's
     * problem: 503 for everyone, not 401 and failures counted until users get 429.
     */
    @Test
    void bindsRefusedAsUnprotectedAre503NotWrongPasswords() throws Exception {
        guard(config("failure-limit", "2"));
        for (com.unboundid.ldap.sdk.ResultCode code : List.of(com.unboundid.ldap.sdk.ResultCode.STRONG_AUTH_REQUIRED,
                com.unboundid.ldap.sdk.ResultCode.CONFIDENTIALITY_REQUIRED)) {
            directory.refuseUserBinds = code;
            for (int i = 0; i < 3; i++) {
                String answer = as("alice", "alice-secret");
                assertTrue(answer.startsWith("HTTP/1.1 503"), code + ": " + answer);
            }
        }
        directory.refuseUserBinds = null;
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "no failure was counted");
    }

    /**
     * The same wrong password sent at once on many connections asks the directory once per wave of
     * logins under way, not once per connection: each waits for the answer of the one asking, and one
     * failure is counted for them all (before, the failures counted lagged the binds by as many as
     * there were workers, and an Active Directory's own lockout could be reached).
     */
    @Test
    void oneWrongPasswordSentAtOnceIsOneBind() throws Exception {
        guard(config("failure-limit", "5", "failure-window", "60"));
        // A bind of a second: the 8 logins, sent at once, all arrive while the first is asked.
        directory.bindDelayMillis = 1000;
        int connections = 8;
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(connections);
        try {
            List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < connections; i++) {
                answers.add(clients.submit(() -> as("alice", "same-wrong")));
            }
            for (java.util.concurrent.Future<String> f : answers) {
                String answer = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
            }
            long aliceBinds = directory.binds.stream().filter(dn -> dn.contains("alice")).count();
            assertTrue(aliceBinds <= 2, aliceBinds + " binds: " + directory.binds);
            assertEquals(0, ldap.limiter().underWay(), "none left under way");
            directory.bindDelayMillis = 0;
            assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "at most two failures counted of five: alice may still sign in");
        } finally {
            clients.shutdownNow();
            directory.bindDelayMillis = 0;
        }
    }

    /**
     * Logins sent at once from one address (many connections) are held to the failure limit as the
     * directory is about to be asked, not only as they arrive: otherwise each was a guess, and as many
     * failed binds of the account as there were connections (the directory's own lockout).
     */
    @Test
    void loginsSentAtOnceAreHeldToTheFailureLimit() throws Exception {
        guard(config("failure-limit", "3", "failure-window", "60"));
        directory.bindDelayMillis = 100;
        int connections = 24;
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(connections);
        try {
            List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < connections; i++) {
                String guess = "guess" + i;
                answers.add(clients.submit(() -> as("alice", guess)));
            }
            int limited = 0;
            for (java.util.concurrent.Future<String> f : answers) {
                String answer = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(answer.startsWith("HTTP/1.1 401") || answer.startsWith("HTTP/1.1 429"), answer);
                limited += answer.startsWith("HTTP/1.1 429") ? 1 : 0;
            }
            long aliceBinds = directory.binds.stream().filter(dn -> dn.contains("alice")).count();
            // The limit, not one more: logins under way count as failures until answered (the
            // workers, two per pooled connection, 8 by default, took more at once before).
            assertTrue(aliceBinds <= 3, aliceBinds + " binds: " + directory.binds);
            assertEquals(connections - 3, limited, limited + " answered 429");
            assertEquals(0, ldap.limiter().underWay(), "none left under way");
        } finally {
            clients.shutdownNow();
            directory.bindDelayMillis = 0;
        }
    }

    @Test
    void aSuccessfulLoginIsCachedForItsTtlOnlyWithTheSamePassword() throws Exception {
        guard(config("cache-seconds", "60"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        directory.server.shutDown(true);
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "from the cache");
        assertTrue(as("alice", "other").startsWith("HTTP/1.1 503"), "another password asks the directory");
        assertEquals(1, ldap.state().cached());
        DirectoryCheck.Statistics s = ldap.statistics();
        assertEquals(2, s.accepted());
        assertEquals(1, s.acceptedFromCache());
        assertEquals(1, s.unavailable());
        assertEquals(DirectoryCheck.Reachability.UNREACHABLE, s.directory(), "the last call got no answer");
    }

    @Test
    void onlyGuardedPathsNeedCredentialsAndEncodedPathsDoNotSlipThrough() throws Exception {
        guard(config("guarded-paths", "/api/, /meet/"));
        assertTrue(get("/webapp/index.html").startsWith("HTTP/1.1 200"));
        assertChallenge(get("/api/client"));
        assertChallenge(get("/%61pi/client"));
        assertChallenge(get("/webapp/../api/client"));
        assertChallenge(get("//api/client"));
        // Decoded before the dot segments are resolved, as nginx does: /webapp/%2e%2e/api/ is its /api/.
        assertChallenge(get("/webapp/%2e%2e/api/client"));
        assertChallenge(get("/webapp/%2E%2E/%61pi/client"));
        // An encoded backslash is a slash to a node on Windows.
        assertChallenge(get("/webapp%5C..%5Capi/client"));
        // Servlet containers drop path parameters before they route: /api;x/client is their /api/client.
        assertChallenge(get("/api;jsessionid=1/client"));
        assertChallenge(get("/api;/client"));
        assertChallenge(get("/%61pi;x/client"));
        // Nodes on Windows (IIS) match paths regardless of case: /API/client is their /api/client.
        assertChallenge(get("/API/client"));
        assertChallenge(get("/Api;x/client"));
        assertTrue(get("/webapp;x/index.html").startsWith("HTTP/1.1 200"));
    }

    @Test
    void aConfigurationThatCannotBeUsedFailsClosedAndABadChangeKeepsTheGoodOne() throws Exception {
        guard(config("url", "http://not-ldap.example.com"));
        assertTrue(get("/anything").startsWith("HTTP/1.1 503"), "nothing passes while the configuration is broken");
        ldap.modified(config());
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"));
        ldap.modified(config("user-filter", "(uid=alice)"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "the filter in force stays");
        ldap.modified(config("enabled", "false"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "enabled = false guards nothing");
    }

    /**
     * An edit that loses url (deleted, commented out, misspelt "urls") but still says how to check
     * users is a mistake, refused: the guard in force stays. Read as "guard nothing" it opened every
     * guarded path. A file like that at the start guards nothing, as it did before, and says why.
     */
    @Test
    void aFileThatLostItsUrlIsRefusedAndTheGuardInForceStays() throws Exception {
        guard(config());
        Map<String, Object> lost = config();
        lost.remove("url");
        lost.put("urls", directory.url());
        ldap.modified(lost);
        assertChallenge(get("/meet/"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 200"), "the directory in force still checks logins");

        regard(Map.of("service.pid", LdapSettings.PID, "guarded-paths", "/meet/"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"),
                "with nothing in force (a start), a file without url guards nothing, as before the check: an upgrade is no outage");
        assertTrue(ldap.state().idle().contains("url = '' is missing or empty, though guarded-paths says how to check users"),
                ldap.state().idle());
        regard(Map.of("service.pid", LdapSettings.PID, "enabled", "false", "base", TestDirectory.BASE));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "enabled = false guards nothing, whatever else the file says");
        regard(Map.of("service.pid", LdapSettings.PID, "cache-seconds", "60"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "nor does a file that says nothing of a directory");
    }

    /** The component in force replaced by a new one started with {@code config}, as at a restart. */
    private void regard(Map<String, Object> config) {
        front.unfilter(ldap.filter());
        ldap.deactivate();
        guard(config);
    }

    /** A refused change keeps the good file in force even when it guards nothing: a typo does not turn the server into 503 everywhere. */
    @Test
    void aRefusedChangeKeepsADisabledConfigurationInForce() throws Exception {
        guard(config("enabled", "false"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"));
        ldap.modified(config("enabled", "false", "user-filter", "(uid=x)"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "enabled = false stays in force");
        assertEquals(null, ldap.state().problem());
        ldap.modified(config("user-filter", "(uid=x)"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "still the disabled file: the change that would enable it is refused");
        ldap.modified(config());
        assertChallenge(get("/meet/"));
    }

    /** A file that never worked fails closed, also when it appears while the server runs. */
    @Test
    void aFileThatNeverWorkedFailsClosed() throws Exception {
        ldap = new LdapComponent();
        ldap.activate(null, Map.of());
        front.filter(ldap.filter(), Map.of(Constants.SERVICE_RANKING, 0, Constants.SERVICE_ID, 10L));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"), "no file: nothing guarded");
        ldap.modified(config("user-filter", "(uid=x)"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 503"));
        ldap.modified(config("enabled", "false", "user-filter", "(uid=x)"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 503"), "never good: still closed");
    }

    /** An edit of the file (here url) does not give a rate-limited address a fresh start. */
    @Test
    void failureCountsOutliveAChangeOfTheFile() throws Exception {
        guard(config("failure-limit", "2", "failure-window", "60"));
        assertChallenge(as("alice", "wrong1"));
        assertChallenge(as("alice", "wrong2"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 429"));
        int searches = directory.filters.size();
        ldap.modified(config("failure-limit", "2", "failure-window", "60", "url", directory.url() + "/"));
        String after = as("alice", "alice-secret");
        assertTrue(after.startsWith("HTTP/1.1 429"), after);
        assertEquals(searches, directory.filters.size(), "the directory was not asked");
        // A higher limit applies to the same count: one more failure reaches it.
        ldap.modified(config("failure-limit", "3", "failure-window", "60"));
        assertChallenge(as("alice", "wrong3"));
        assertTrue(as("alice", "alice-secret").startsWith("HTTP/1.1 429"));
    }

    /**
     * A request the front handed to the filter while the component stops (its bundle updated) is
     * answered 503, not let through to the route without credentials.
     */
    @Test
    void aRequestMetWhileTheComponentStopsIs503NotLetThrough() throws Exception {
        guard(config());
        ldap.deactivate();
        ldap = null;
        String answer = get("/meet/");
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(routed.isEmpty(), routed.toString());
    }

    /**
     * The service names the paths it guards (everything while its file cannot be used), so that the
     * front holds them at 503 if it goes without a word (its bundle stopped or updated); turned off,
     * it says it guards nothing before it goes.
     */
    @Test
    void theServiceNamesItsPathsAndReleasesThemWhenTurnedOff() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        org.osgi.framework.BundleContext context = recordingContext(events);
        ldap = new LdapComponent();
        ldap.activate(context, config("user-filter", "(uid=x)"));
        assertEquals(List.of("register ldap [/]"), events, "a file that cannot be used: every path 503");
        ldap.modified(config("guarded-paths", "/meet/, /api/"));
        assertEquals("set ldap [/meet/, /api/]", events.get(events.size() - 1));
        ldap.modified(config("enabled", "false"));
        assertEquals(List.of("set ldap null", "unregister"), events.subList(events.size() - 2, events.size()), events.toString());
        ldap.modified(config());
        events.clear();
        ldap.deactivate();
        ldap = null;
        assertEquals(List.of("unregister"), events, "stopped: gone still naming its paths");
    }

    private static org.osgi.framework.BundleContext recordingContext(List<String> events) {
        ClassLoader loader = LdapFilterTest.class.getClassLoader();
        java.util.function.Function<java.util.Dictionary<?, ?>, String> describe = d -> d.get("gatehouse.filter") + " "
                + (d.get("gatehouse.filter.guarded-paths") == null ? "null" : List.of((String[]) d.get("gatehouse.filter.guarded-paths")));
        return (org.osgi.framework.BundleContext) java.lang.reflect.Proxy.newProxyInstance(loader,
                new Class<?>[] {org.osgi.framework.BundleContext.class}, (c, m, a) -> {
                    if (!m.getName().equals("registerService")) {
                        return null;
                    }
                    events.add("register " + describe.apply((java.util.Dictionary<?, ?>) a[2]));
                    return java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {org.osgi.framework.ServiceRegistration.class},
                            (r, rm, ra) -> {
                                if (rm.getName().equals("setProperties")) {
                                    events.add("set " + describe.apply((java.util.Dictionary<?, ?>) ra[0]));
                                } else if (rm.getName().equals("unregister")) {
                                    events.add("unregister");
                                }
                                return null;
                            });
                });
    }

    /** What the shell and the status page are told: why nothing is guarded, and which 503s the configuration caused. */
    @Test
    void theStateSaysWhyNothingIsGuardedAndWhatThe503sWereFor() throws Exception {
        ldap = new LdapComponent();
        ldap.activate(null, Map.of());
        assertEquals("no etc/org.gatehouse.auth.ldap.cfg (see etc/org.gatehouse.auth.ldap.cfg.example)", ldap.state().idle());
        ldap.modified(config("enabled", "false"));
        assertEquals("enabled = false in etc/org.gatehouse.auth.ldap.cfg", ldap.state().idle(), "the file exists");
        DirectoryCheck.Step off = ldap.test("alice", "alice-secret".toCharArray()).get(0);
        assertTrue(!off.ok() && off.detail().contains("enabled = false"), off.toString());
        ldap.deactivate();

        guard(config("user-filter", "(uid=x)"));
        assertTrue(get("/meet/").startsWith("HTTP/1.1 503"));
        DirectoryCheck.State broken = ldap.state();
        assertEquals(null, broken.idle());
        assertEquals(1, broken.unusable());
        assertEquals(0, broken.unavailable(), "not the directory's doing");
        assertEquals(1, ldap.statistics().unavailable(), "the metric counts every 503");
        DirectoryCheck.Step step = ldap.test("alice", "alice-secret".toCharArray()).get(0);
        assertTrue(!step.ok() && step.detail().contains("cannot be used") && step.detail().contains("{user}"), step.toString());
    }

    /** The configuration file deleted: nothing is guarded, and the log says so (it opens every path). */
    @Test
    void aDeletedConfigurationGuardsNothingAndSaysSo() throws Exception {
        guard(config());
        assertChallenge(get("/meet/"));
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            ldap.modified(Map.of("component.name", "org.gatehouse.auth.ldap", "component.id", 7L)); // what DS passes once the file is gone
        } finally {
            System.setErr(err);
        }
        String logged = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(logged.contains("WARN") && logged.contains("org.gatehouse.auth.ldap removed; nothing is guarded any more"), logged);
        assertTrue(get("/meet/").startsWith("HTTP/1.1 200"));
    }

    /**
     * A directory that takes response-timeout for each login, with more logins than workers: those
     * that waited longer than two logins may take get 503 at once, without asking the directory, rather
     * than each waiting its turn (hundreds queued kept their clients minutes).
     */
    @Test
    void loginsThatWaitedLongerThanTwoLoginsMayTakeAreAnswered503WithoutTheDirectory() throws Exception {
        guard(config("pool-size", "1", "connect-timeout", "1", "response-timeout", "1"));
        directory.hold = new java.util.concurrent.CountDownLatch(1);
        int logins = 30;
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(logins);
        try {
            long start = System.nanoTime();
            List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < logins; i++) {
                answers.add(clients.submit(() -> as("alice", "alice-secret")));
            }
            for (java.util.concurrent.Future<String> f : answers) {
                String answer = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            // Two workers at a second or more each: 30 logins in turn would take 15 s or more; those
            // that waited over 4 s (twice connect-timeout + response-timeout) are answered at once.
            assertTrue(seconds < 10, "all answered within " + seconds + " s");
            assertTrue(directory.filters.size() < logins / 2, directory.filters.size() + " searches for " + logins + " logins");
        } finally {
            directory.hold.countDown();
            clients.shutdownNow();
        }
        assertTrue(routed.isEmpty());
    }

    @Test
    void loginsWaitingWhenTheComponentStopsAreAnswered503NotLeftHanging() throws Exception {
        guard(config("pool-size", "1"));
        directory.hold = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(clients.submit(() -> as("alice", "alice-secret")));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (directory.filters.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            ldap.deactivate();
            ldap = null;
            for (java.util.concurrent.Future<String> f : answers) {
                String answer = f.get(15, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            }
        } finally {
            directory.hold.countDown();
            clients.shutdownNow();
        }
        assertTrue(routed.isEmpty());
    }

    @Test
    void ldapTestShowsEachStep() {
        ldap = new LdapComponent();
        ldap.activate(null, Map.of());
        assertFalse(ldap.test("alice", "alice-secret".toCharArray()).get(0).ok(), "not configured");
        ldap.modified(config("required-group", TestDirectory.GROUP));
        List<DirectoryCheck.Step> steps = ldap.test("alice", "alice-secret".toCharArray());
        assertEquals(List.of("connect", "service bind", "search", "user bind", "group"), steps.stream().map(DirectoryCheck.Step::name).toList(),
                steps.toString());
        assertTrue(steps.stream().allMatch(DirectoryCheck.Step::ok), steps.toString());
        List<DirectoryCheck.Step> wrong = ldap.test("bob", "wrong".toCharArray());
        assertFalse(wrong.get(wrong.size() - 1).ok());
        assertEquals("user bind", wrong.get(wrong.size() - 1).name());
        List<DirectoryCheck.Step> twins = ldap.test("twin", "twin-secret".toCharArray());
        assertTrue(twins.get(twins.size() - 1).detail().contains("exactly 1 needed"), twins.toString());
    }
}
