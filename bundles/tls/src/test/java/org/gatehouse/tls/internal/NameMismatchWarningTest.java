package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warning that the configured name is not among the certificate's names is logged once per
 * (name, certificate) pair: an edit of etc/org.gatehouse.tls.cfg that changes neither (a protocol,
 * say) put it in force again and repeated it, filling the status's last errors.
 */
class NameMismatchWarningTest {

    @TempDir
    Path dir;

    @Test
    void aNameMismatchIsLoggedOncePerNameAndCertificate() throws Exception {
        Pki pki = new Pki(Files.createDirectories(dir.resolve("pki")));
        Path file = pki.write("server.pem", pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
        CertificateStore store = new CertificateStore();
        // The store keeps a copy of what it accepts under data/: this test's folder, not the module's.
        System.setProperty("gatehouse.home", dir.toString());
        try (CapturedLog log = new CapturedLog()) {
            store.apply(settings(file, "edge", "TLSv1.3, TLSv1.2"));
            store.apply(settings(file, "edge", "TLSv1.3"));
            store.apply(settings(file, "edge", "TLSv1.3, TLSv1.2"));
            assertEquals(1, mismatches(log).size(), log.lines().toString());
            assertTrue(mismatches(log).get(0).contains("the configured name edge.other.org is not among"), mismatches(log).toString());

            store.apply(settings(file, "edge2", "TLSv1.3"));
            store.apply(settings(file, "edge2", "TLSv1.3, TLSv1.2"));
            assertEquals(2, mismatches(log).size(), "another name is another pair: " + mismatches(log));

            Path other = pki.write("other.pem", pki.read("ec.pem"), pki.read("ec.key"), pki.read("inter.pem"));
            store.apply(settings(other, "edge2", "TLSv1.3"));
            assertEquals(3, mismatches(log).size(), "another certificate is another pair: " + mismatches(log));
        } finally {
            System.clearProperty("gatehouse.home");
        }
    }

    private static List<String> mismatches(CapturedLog log) {
        return log.lines("WARN").stream().filter(l -> l.contains("is not among the certificate's names")).toList();
    }

    private static TlsSettings settings(Path certificate, String hostname, String protocols) throws Exception {
        return TlsSettings.read(Map.of("certificate", certificate.toString(), "hostname", hostname, "domain", "other.org",
                "protocols", protocols));
    }
}
