package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's tls-ca-file: its errors in plain words naming file, key and path; the trust keys that
 * override it or that tls = false makes moot said once; a replaced file taken for new connections
 * without an edit of the pool's file, and a replaced file that cannot be used keeping the trust in force.
 */
class CaFileTest {

    private static final String SOURCE = "configuration org.gatehouse.balancer.pool~test";

    @TempDir
    Path home;

    private static String reason(Path file) {
        return assertThrows(UpstreamTls.CaFileException.class, () -> UpstreamTls.readCa(file)).reason();
    }

    @Test
    void whatIsWrongWithACaFileInPlainWords() throws Exception {
        assertEquals("file not found", reason(home.resolve("missing.pem")));
        assertEquals("is a directory, not a file", reason(home));
        assertEquals("holds no PEM certificate", reason(Files.writeString(home.resolve("empty.pem"), "")));
        assertEquals("holds no PEM certificate", reason(Files.writeString(home.resolve("text.pem"), "not a certificate\n")));
        assertEquals("a certificate in it cannot be parsed", reason(Files.writeString(home.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nMIIBroken0nly\n-----END CERTIFICATE-----\n")));
        Path locked = Files.writeString(home.resolve("locked.pem"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(locked)) {
            assertEquals("not readable (permission denied)", reason(locked));
        } else {
            System.out.println("Running as root: a file without read permission is readable; its case is not checked");
        }
    }

    @Test
    void aCaFileThatCannotBeUsedIsOneLineAndThePoolKeepsItsSettings() throws Exception {
        try (TestNode a = new TestNode("a", true); CapturedLog log = new CapturedLog()) {
            Path ca = Files.writeString(home.resolve("node-ca.pem"), Files.readString(a.certificate.certificate().toPath()));
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "tls-ca-file", ca.toString(), "tls-name",
                    "node.example.com"))) {
                assertEquals("a", p.get("/id").body());
                Path missing = home.resolve("missing.pem");
                p.set("tls-ca-file", missing.toString());
                String line = SOURCE + ": tls-ca-file = '" + missing + "' cannot be used: file not found";
                List<String> errors = log.lines("ERROR").stream().filter(l -> l.contains("tls-ca-file")).toList();
                assertEquals(1, errors.size(), errors.toString());
                assertTrue(errors.get(0).endsWith(line + "; the pool keeps its previous settings"), errors.get(0));
                assertTrue(p.pool.problems().get(0).startsWith(line), p.pool.problems().toString());
                assertEquals("a", p.get("/id").body(), "the previous trust in force");
            }
        }
    }

    @Test
    void aPoolRefusedForItsCaFileServesOnceTheFileIsThere() throws Exception {
        try (TestNode a = new TestNode("a", true)) {
            Path ca = home.resolve("node-ca.pem");
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "tls-ca-file", ca.toString(), "tls-name",
                    "node.example.com"), Map.of(), c -> c.caCheckMillis = 200)) {
                assertEquals(503, p.get("/id").statusCode(), "refused at start: file not found");
                assertTrue(p.pool.problems().get(0).startsWith(SOURCE + ": tls-ca-file = '" + ca + "' cannot be used: file not found"),
                        p.pool.problems().toString());
                Files.writeString(ca, Files.readString(a.certificate.certificate().toPath()));
                ProxyingTest.waitFor(() -> get(p).equals("a"), "the pool's file applied again once its CA file is there");
                assertEquals(List.of(), p.pool.problems());
            }
        }
    }

    @Test
    void keysThatHaveNoEffectAreSaidOnce() throws Exception {
        try (TestNode a = new TestNode("a", true); CapturedLog log = new CapturedLog()) {
            Path missing = home.resolve("missing.pem");
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "tls-trust-all", "true", "tls-ca-file",
                    missing.toString()))) {
                assertEquals("a", p.get("/id").body(), "trust-all wins; the CA file is not read");
                p.set("max-fails", "2");
                p.set("tls-fingerprints", "00".repeat(32));
                p.set("tls-trust-all", "false");
                p.set("tls", "false");
                p.set("tls-ca-file", "");
                p.set("health-check", "http");
                p.set("tls-name", "node.example.com");
                List<String> warnings = log.lines("WARN").stream().filter(l -> l.contains(SOURCE)).toList();
                assertEquals(List.of(
                        SOURCE + ": tls-ca-file is ignored: tls-trust-all = true wins (trust is tls-trust-all, else tls-fingerprints, else "
                                + "tls-ca-file); remove what you do not mean",
                        SOURCE + ": tls-fingerprints and tls-ca-file are ignored: tls-trust-all = true wins (trust is tls-trust-all, else "
                                + "tls-fingerprints, else tls-ca-file); remove what you do not mean",
                        SOURCE + ": tls-ca-file is ignored: tls-fingerprints wins (trust is tls-trust-all, else tls-fingerprints, else "
                                + "tls-ca-file); remove what you do not mean",
                        SOURCE + ": tls = false: tls-ca-file, tls-fingerprints have no effect (the pool speaks plain HTTP to its nodes)",
                        SOURCE + ": tls = false: tls-fingerprints has no effect (the pool speaks plain HTTP to its nodes)",
                        SOURCE + ": tls = false: tls-fingerprints has no effect (the pool speaks plain HTTP to its nodes)"),
                        warnings.stream().map(l -> l.substring(l.indexOf("Balancer: ") + 10)).toList(),
                        "one line per change of the TLS keys, none for max-fails or health-check; tls-name is the Host of http health checks");
            }
        }
    }

    @Test
    void aReplacedCaFileIsTakenForNewConnections() throws Exception {
        try (TestNode a = new TestNode("a", true); TestNode stranger = new TestNode("stranger", true); CapturedLog log = new CapturedLog()) {
            String aCa = Files.readString(a.certificate.certificate().toPath());
            Path ca = Files.writeString(home.resolve("node-ca.pem"), Files.readString(stranger.certificate.certificate().toPath()));
            try (TestProxy p = new TestProxy(home, Map.of("nodes", a.address(), "tls", "true", "tls-ca-file", ca.toString(), "tls-name",
                    "node.example.com", "max-fails", "0"), Map.of(), c -> c.caCheckMillis = 200)) {
                assertEquals(502, p.get("/id").statusCode(), "a is not signed by the CA in the file");
                Files.writeString(ca, aCa);
                ProxyingTest.waitFor(() -> get(p).equals("a"), "the node's CA taken without an edit of the pool's file");
                assertTrue(log.lines("INFO").stream().anyMatch(l -> l.contains(SOURCE + ": tls-ca-file " + ca + " changed: new connections")));
                int accepted = a.accepted.get();

                // A file that cannot be used: one line, a Problem, and the trust read before stays, for new connections too.
                Files.writeString(ca, "not a certificate\n");
                String line = SOURCE + ": tls-ca-file = '" + ca + "' changed and cannot be used: holds no PEM certificate; pool test keeps "
                        + "trusting the CA certificate(s) it read before until the file is fixed";
                ProxyingTest.waitFor(() -> p.pool.problems().equals(List.of(line)), "a Problem: " + p.pool.problems());
                Thread.sleep(600);
                assertEquals(1, log.lines("ERROR").stream().filter(l -> l.endsWith(line)).count(), "one line per version of the file");
                assertEquals("a", p.get("/id").body(), "the kept-alive connection goes on");
                assertEquals(accepted, a.accepted.get());
                p.set("keepalive", "0");
                assertEquals("a", p.get("/id").body());
                assertEquals("a", p.get("/id").body());
                assertTrue(a.accepted.get() > accepted, "a new connection, made with the trust in force");

                // The stranger's CA: a connection kept alive is not cut; new connections to a are refused.
                p.set("keepalive", "32");
                assertEquals("a", p.get("/id").body());
                Files.writeString(ca, Files.readString(stranger.certificate.certificate().toPath()));
                ProxyingTest.waitFor(() -> p.pool.problems().isEmpty(), "the Problem gone with a usable file");
                accepted = a.accepted.get();
                assertEquals("a", p.get("/id").body(), "a connection kept alive is not interrupted by the new trust");
                assertEquals(accepted, a.accepted.get());
                p.set("keepalive", "0");
                assertEquals("a", p.get("/id").body(), "the kept-alive connection's last request");
                assertEquals(502, p.get("/id").statusCode(), "a new connection: a is not signed by the CA in the file now");
            }
        }
    }

    private static String get(TestProxy p) {
        try {
            return p.get("/id").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
