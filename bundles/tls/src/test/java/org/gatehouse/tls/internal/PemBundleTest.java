package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's PEM file in every layout the guide allows, and every way it can be wrong. */
class PemBundleTest {

    @TempDir
    static Path dir;
    static Pki pki;

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = new Pki(dir);
    }

    private static PemBundle parse(String... parts) throws InvalidCertificateException {
        return PemBundle.parse(String.join("", parts), "test.pem", Instant.now());
    }

    @Test
    void theGuidesOrderCertificateKeyIntermediates() throws Exception {
        PemBundle b = parse(pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
        assertEquals(2, b.chain.size());
        CertificateInfo info = b.info("gatehouse.example.com");
        assertEquals("CN=gatehouse.example.com", info.subject());
        assertEquals("CN=Test Intermediate CA", info.issuer());
        assertEquals(java.util.List.of("gatehouse.example.com", "meet.example.com"), info.subjectAlternativeNames());
        assertEquals("RSA 2048", info.keyType());
        assertTrue(info.warnings().isEmpty(), info.warnings().toString());
        assertFalse(info.selfSigned());
        assertEquals(95, info.sha256Fingerprint().length());
    }

    @Test
    void anyOrderAndEveryKeyForm() throws Exception {
        assertEquals(3, parse(pki.read("root.pem"), pki.read("inter.pem"), pki.read("rsa.key"), pki.read("rsa.pem")).chain.size(),
                "root and intermediate before the key and certificate");
        assertEquals(2, parse(pki.traditionalKey("rsa"), pki.read("inter.pem"), pki.read("rsa.pem")).chain.size(), "RSA PRIVATE KEY");
        PemBundle ec = parse(pki.read("ec.pem"), pki.traditionalKey("ec"), pki.read("inter.pem"));
        assertEquals("EC 256", ec.info(null).keyType(), "EC PRIVATE KEY");
        assertEquals(1, parse(pki.read("ec.key"), pki.read("ec.pem")).chain.size(), "PKCS#8 EC key, no intermediates");
        assertEquals("CN=gatehouse.example.com", parse(pki.read("rsa.pem"), pki.read("rsa.key")).chain.get(0).getSubjectX500Principal().getName());
    }

    @Test
    void badFilesAreRefusedWithOneLineSayingWhy() throws Exception {
        assertTrue(message(pki.read("rsa.pem")).contains("no private key"));
        assertTrue(message(pki.read("rsa.key")).contains("no certificate"));
        assertTrue(message(pki.read("rsa.pem"), pki.read("ec.key")).contains("belongs to none of the 1 certificate"));
        assertTrue(message(pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("ec.pem")).contains("is not an issuer in the chain"),
                "an unrelated certificate in the file");
        pki.openssl("pkey", "-in", "rsa.key", "-out", "rsa-enc.key", "-aes256", "-passout", "pass:secret");
        assertTrue(message(pki.read("rsa.pem"), pki.read("rsa-enc.key")).contains("encrypted"));
        assertTrue(message("hello").contains("no private key"));
        InvalidCertificateException expired = assertThrows(InvalidCertificateException.class, () -> PemBundle.parse(
                pki.read("rsa.pem") + pki.read("rsa.key"), "test.pem", Instant.now().plus(400, ChronoUnit.DAYS)));
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
        assertFalse(expired.getMessage().contains("\n"));
    }

    private static String message(String... parts) {
        return assertThrows(InvalidCertificateException.class, () -> parse(parts)).getMessage();
    }

    @Test
    void aNameTheCertificateDoesNotCoverIsWarnedAbout() throws Exception {
        CertificateInfo info = parse(pki.read("rsa.pem"), pki.read("rsa.key")).info("gatehouse.other.org");
        assertEquals(1, info.warnings().size());
        assertTrue(info.warnings().get(0).contains("gatehouse.other.org"));
    }

    @Test
    void aCertificateWithoutSubjectAltNameIsWarnedAboutAndShownAsHavingNoNames() throws Exception {
        pki.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "cn-only.key", "-out", "cn-only.csr", "-subj", "/CN=gatehouse.example.com");
        pki.openssl("x509", "-req", "-in", "cn-only.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial", "-out", "cn-only.pem",
                "-days", "397");
        CertificateInfo info = parse(pki.read("cn-only.pem"), pki.read("cn-only.key"), pki.read("inter.pem")).info("gatehouse.example.com");
        assertEquals(List.of(), info.subjectAlternativeNames());
        assertEquals("none (no subjectAltName; clients ignore the CN)", info.namesText());
        assertEquals(1, info.warnings().size(), info.warnings().toString());
        assertTrue(info.warnings().get(0).startsWith("the certificate has no subjectAltName: browsers and most TLS clients ignore its CN"),
                info.warnings().get(0));
        assertEquals("gatehouse.example.com, meet.example.com", parse(pki.read("rsa.pem"), pki.read("rsa.key")).info(null).namesText());
    }

    @Test
    void selfSignedIsForTheFqdnAndParsesBack() throws Exception {
        PemBundle b = PemBundle.parse(SelfSigned.generate("gh.example.net", Instant.now()), "self", Instant.now());
        assertTrue(b.selfSigned());
        assertTrue(b.covers("gh.example.net"));
        assertEquals("EC 256", b.info("gh.example.net").keyType());
    }
}
