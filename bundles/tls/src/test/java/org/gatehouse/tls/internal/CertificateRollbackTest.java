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

    /** The same certificate with its chain completed (intermediates appended after the key): the new chain is served. */
    @Test
    void theSameCertificateWithAnotherChainIsServed() throws Exception {
        Files.createDirectories(configured.getParent());
        copyOver(pki.write("no-chain.pem", pki.read("rsa.pem"), pki.read("rsa.key")));
        assertEquals(1, store.inForce().certificate().info("gatehouse.example.com").chainLength());
        Files.writeString(configured, pki.read("inter.pem"), java.nio.file.StandardOpenOption.APPEND);
        store.poll();
        store.poll();
        assertEquals(2, store.inForce().certificate().info("gatehouse.example.com").chainLength(), "the intermediate appended is served");
        assertTrue(store.problem() == null);
    }

    /**
     * A refused file is looked at again though it did not change: what refused it may have (here its
     * notBefore, a moment ahead of this clock; its permissions fixed with chmod alike).
     */
    @Test
    void aRefusedFileIsLookedAtAgainThoughItDidNotChange() throws Exception {
        Files.createDirectories(configured.getParent());
        String early = SelfSigned.generate("gatehouse.example.com", java.time.Instant.now().plus(java.time.Duration.ofHours(1)).plusSeconds(2));
        Path file = pki.write("early.pem", early);
        String before = served();
        copyOver(file);
        assertEquals(before, served());
        assertTrue(store.problem() != null && store.problem().contains("not valid before"), store.problem());
        Thread.sleep(2500);
        for (int i = 0; i < CertificateStore.RETRY_POLLS; i++) {
            store.poll();
        }
        assertEquals(fingerprint(file), served(), "valid now, unchanged on disk");
        assertTrue(store.problem() == null, store.problem());
    }

    /**
     * A new certificate path refused (its file not ready yet) is the one watched, and when it is fixed
     * it is served with the settings asked for with it (another name here), not those in force before.
     */
    @Test
    void aRefusedNewPathIsWatchedAndServedWithTheSettingsOfItsEdit() throws Exception {
        store.install(rsa);
        Path next = home.resolve("etc/tls/next.pem");
        Files.writeString(next, "still being copied");
        TlsSettings edited = TlsSettings.read(Map.of("hostname", "meet", "domain", "example.com", "certificate", next.toString()));
        assertThrows(InvalidCertificateException.class, () -> store.apply(edited));
        assertEquals(fingerprint(rsa), served(), "the certificate in force stays");
        Files.copy(ec, next, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        store.poll();
        store.poll();
        assertEquals(fingerprint(ec), served(), "the fixed file at the new path");
        assertEquals(edited, store.inForce().settings(), "with the settings of the edit");
        assertEquals(fingerprint(rsa), fingerprint(store.previousFile()));

        // Another path whose file is not there yet, then moved there with its old time and size (mv).
        Path later = home.resolve("etc/tls/later.pem");
        TlsSettings moved = TlsSettings.read(Map.of("hostname", "meet", "domain", "example.com", "certificate", later.toString()));
        assertThrows(InvalidCertificateException.class, () -> store.apply(moved));
        store.poll();
        // The same time and size as the file watched before: only a watcher that knows the path changed sees it.
        Path aside = home.resolve("aside.pem");
        Files.copy(next, aside);
        Files.setLastModifiedTime(aside, Files.getLastModifiedTime(next));
        Files.move(aside, later);
        store.poll();
        store.poll();
        assertEquals(moved, store.inForce().settings(), "the file moved to the new path is served with its edit");
        assertEquals(later.toString(), store.inForce().certificate().source);
    }

    /** An install whose configured file cannot be written leaves the certificate to roll back to as it was. */
    @Test
    void aFailedInstallKeepsTheRollbackCopy() throws Exception {
        store.install(rsa);
        store.install(ec);
        String rollbackCopy = Files.readString(store.previousFile());
        Path blocker = Files.writeString(home.resolve("etc/blocker"), "a file where a folder would be");
        // The configured file moved to a place that cannot be written (refused: it does not exist yet).
        TlsSettings moved = TlsSettings.read(Map.of("hostname", "gatehouse", "domain", "example.com", "certificate", blocker.resolve("server.pem").toString()));
        assertThrows(InvalidCertificateException.class, () -> store.apply(moved));
        String inForce = served();
        InvalidCertificateException e = assertThrows(InvalidCertificateException.class, () -> store.install(rsa));
        assertTrue(e.getMessage().contains("the certificate in force is unchanged"), e.getMessage());
        assertEquals(inForce, served());
        assertEquals(rollbackCopy, Files.readString(store.previousFile()), "the rollback copy is not lost");
    }
}
