package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.gatehouse.tls.InvalidCertificateException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tls:cert-rollback goes back to the certificate served before the one in force, whether that one
 * came by tls:cert-install or by copying a file over the configured one, and never loses a
 * working certificate; with nothing to go back to it refuses. The store is driven directly: two
 * polls with the file unchanged between them are what the 2-second watcher does.
 */
class CertificateRollbackTest {

    @TempDir
    static Path pkiDir;
    static Pki pki;
    static Path rsa;
    static Path ec;

    @TempDir
    Path home;
    Path configured;
    CertificateStore store;

    @BeforeAll
    static void certificates() throws Exception {
        pki = new Pki(pkiDir);
        rsa = pki.write("bundle-rsa.pem", pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
        ec = pki.write("bundle-ec.pem", pki.read("ec.pem"), pki.read("ec.key"), pki.read("inter.pem"));
    }

    @BeforeEach
    void start() throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        configured = home.resolve("etc/tls/server.pem");
        store = new CertificateStore();
        store.apply(TlsSettings.read(Map.of("hostname", "gatehouse", "domain", "example.com")));
    }

    @AfterEach
    void clear() {
        System.clearProperty("gatehouse.home");
    }

    private String served() {
        return PemBundle.fingerprint(store.inForce().certificate().leaf());
    }

    private static String fingerprint(Path file) throws Exception {
        return PemBundle.fingerprint(PemBundle.read(file).leaf());
    }

    /** Copies {@code file} over the configured one as an operator would, and lets the watcher see it. */
    private void copyOver(Path file) throws Exception {
        Files.copy(file, configured, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        store.poll();
        store.poll();
    }

    @Test
    void rollbackAfterACopyGoesBackToTheCertificateTheCopyReplaced() throws Exception {
        store.install(rsa);
        copyOver(ec);
        assertEquals(fingerprint(ec), served(), "the copied file is in force");

        store.rollback();

        assertEquals(fingerprint(rsa), served(), "back to the installed certificate the copy replaced, not the self-signed one");
        assertEquals(fingerprint(rsa), fingerprint(configured));
        assertEquals(fingerprint(ec), fingerprint(store.previousFile()), "the copied one is kept to go forward again");
        store.rollback();
        assertEquals(fingerprint(ec), served());
        assertEquals(fingerprint(rsa), fingerprint(store.previousFile()));
    }

    @Test
    void aCopyOverACopyKeepsTheOneItReplaced() throws Exception {
        Files.createDirectories(configured.getParent());
        copyOver(rsa);
        copyOver(ec);
        assertEquals(fingerprint(ec), served());
        assertEquals(fingerprint(rsa), fingerprint(store.previousFile()));
        store.rollback();
        assertEquals(fingerprint(rsa), served());
    }

    @Test
    void nothingToGoBackToIsRefused() throws Exception {
        InvalidCertificateException none = assertThrows(InvalidCertificateException.class, store::rollback);
        assertTrue(none.getMessage().contains("no previous certificate"), none.getMessage());

        // The same certificate installed twice: the rollback copy stays the self-signed one.
        String selfSigned = served();
        store.install(rsa);
        store.install(rsa);
        assertEquals(selfSigned, fingerprint(store.previousFile()));

        // A rollback copy that is the certificate in force is nothing to go back to.
        Files.copy(rsa, store.previousFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        InvalidCertificateException same = assertThrows(InvalidCertificateException.class, store::rollback);
        assertTrue(same.getMessage().contains("holds the certificate in force"), same.getMessage());
        assertEquals(fingerprint(rsa), served());
    }
}
