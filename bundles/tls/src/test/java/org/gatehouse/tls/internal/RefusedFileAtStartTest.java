package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad certificate file copied over the configured one while the server runs is refused; after a
 * restart it must not put the box on the self-signed certificate while the certificate accepted
 * before it is still at hand, and the refusal stays a problem (for gatehouse:status) until the file
 * is fixed.
 */
class RefusedFileAtStartTest {

    @TempDir
    Path home;
    Pki pki;
    Path configured;
    Path good;
    Path mismatched;

    @BeforeEach
    void start() throws Exception {
        pki = new Pki(Files.createDirectories(home.resolve("pki")));
        System.setProperty("gatehouse.home", home.toString());
        configured = Files.createDirectories(home.resolve("etc/tls")).resolve("server.pem");
        good = pki.write("good.pem", pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
        mismatched = pki.write("mismatched.pem", pki.read("ec.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
    }

    @AfterEach
    void clear() {
        System.clearProperty("gatehouse.home");
    }

    private static CertificateStore started() throws Exception {
        CertificateStore store = new CertificateStore();
        store.apply(TlsSettings.read(Map.of("hostname", "gatehouse", "domain", "example.com")));
        return store;
    }

    private static String fingerprint(Path file) throws Exception {
        return PemBundle.fingerprint(PemBundle.read(file).leaf());
    }

    private static String served(CertificateStore store) {
        return PemBundle.fingerprint(store.inForce().certificate().leaf());
    }

    @Test
    void aRestartAfterARefusedCopyServesTheLastAcceptedCertificate() throws Exception {
        Files.copy(good, configured);
        CertificateStore running = started();
        assertEquals(fingerprint(good), served(running));
        assertNull(running.problem());

        Files.copy(mismatched, configured, StandardCopyOption.REPLACE_EXISTING);
        running.poll();
        running.poll();
        assertEquals(fingerprint(good), served(running), "refused while running: the good one still serves");
        assertTrue(running.problem().startsWith(configured + ": the private key belongs to none"), running.problem());
        assertTrue(running.problem().endsWith("; still serving \"CN=gatehouse.example.com\""), running.problem());

        // Restart with the refused file still in place.
        CertificateStore restarted = started();
        assertEquals(fingerprint(good), served(restarted), "not the self-signed certificate");
        assertFalse(restarted.inForce().certificate().selfSigned());
        String problem = restarted.problem();
        assertTrue(problem.startsWith(configured + ": the private key belongs to none"), problem);
        assertTrue(problem.contains("serving \"CN=gatehouse.example.com\" from " + restarted.lastGoodFile()), problem);

        // Fixed by copying a good file over it: served, and no longer a problem.
        Path ec = pki.write("ec-bundle.pem", pki.read("ec.pem"), pki.read("ec.key"), pki.read("inter.pem"));
        Files.copy(ec, configured, StandardCopyOption.REPLACE_EXISTING);
        restarted.poll();
        restarted.poll();
        assertEquals(fingerprint(ec), served(restarted));
        assertNull(restarted.problem());
        assertEquals(fingerprint(good), fingerprint(restarted.previousFile()), "the stand-in is what rollback goes back to");
        assertEquals(fingerprint(ec), fingerprint(restarted.lastGoodFile()));
    }

    @Test
    void withNoAcceptedCertificateEverItIsTheSelfSignedOneAndSaysSo() throws Exception {
        Files.copy(mismatched, configured);
        CertificateStore store = started();
        assertTrue(store.inForce().certificate().selfSigned());
        assertTrue(store.problem().startsWith(configured + ": the private key belongs to none"), store.problem());
        assertTrue(store.problem().contains("from " + store.selfSignedFile() + " until it is fixed"), store.problem());
        assertFalse(Files.exists(store.lastGoodFile()));
    }

    @Test
    void theCertificateInForceCopiedBackOverARefusedFileEndsTheProblem() throws Exception {
        Files.copy(good, configured);
        CertificateStore store = started();
        Files.copy(mismatched, configured, StandardCopyOption.REPLACE_EXISTING);
        store.poll();
        store.poll();
        assertTrue(store.problem() != null);
        Files.copy(good, configured, StandardCopyOption.REPLACE_EXISTING);
        store.poll();
        store.poll();
        assertNull(store.problem());
    }

    @Test
    void aRestartWhileTheFileIsGoneServesTheLastAcceptedCertificateUntilItIsBack() throws Exception {
        Files.copy(good, configured);
        started();
        Files.delete(configured); // removed while it is renewed, and the server restarts
        CertificateStore restarted = started();
        assertEquals(fingerprint(good), served(restarted), "not the self-signed certificate");
        String problem = restarted.problem();
        assertTrue(problem.contains("certificate = '" + configured + "' does not exist; serving \"CN=gatehouse.example.com\" from "
                + restarted.lastGoodFile()), problem);

        Files.copy(good, configured);
        restarted.poll();
        restarted.poll();
        assertEquals(fingerprint(good), served(restarted));
        assertNull(restarted.problem());

        // Without a certificate ever accepted (or its copy deleted on purpose): the self-signed one, no problem.
        Files.delete(configured);
        Files.delete(restarted.lastGoodFile());
        CertificateStore fresh = started();
        assertTrue(fresh.inForce().certificate().selfSigned());
        assertNull(fresh.problem());
    }
}
