package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The certificate's Problems: a refused file, and the served certificate expiring soon or expired. */
class CertificateProblemsTest {

    private static final String FILE = "/opt/gatehouse/etc/tls/server.pem";

    @Test
    void expiryWithinTheWarningDaysAndAfterIsAProblemNamingTheFile() throws Exception {
        Instant made = Instant.now();
        PemBundle served = PemBundle.parse(SelfSigned.generate("edge.example.com", made), FILE, made);
        Instant notAfter = served.leaf().getNotAfter().toInstant();
        String what = FILE + ": the certificate served (\"" + served.leaf().getSubjectX500Principal().getName() + "\")";

        assertEquals(List.of(), CertificateProblems.lines(served, null, made));
        assertEquals(List.of(), CertificateProblems.lines(served, null, notAfter.minus(Duration.ofDays(21)).minusSeconds(1)),
                "21 days left: not yet");
        assertEquals(List.of(what + " expires in 20 days, on " + notAfter + ": install a new one with tls:cert-install"),
                CertificateProblems.lines(served, null, notAfter.minus(Duration.ofDays(20)).minusSeconds(1)));
        assertEquals(List.of(what + " expires in 1 day, on " + notAfter + ": install a new one with tls:cert-install"),
                CertificateProblems.lines(served, null, notAfter.minus(Duration.ofDays(1)).minusSeconds(1)));
        assertEquals(List.of(what + " expired on " + notAfter + ": clients refuse it; install a new one with tls:cert-install"),
                CertificateProblems.lines(served, null, notAfter.plusSeconds(1)));
    }

    @Test
    void aRefusedFileComesFirstAsTheStoreSaysIt() throws Exception {
        Instant made = Instant.now();
        PemBundle served = PemBundle.parse(SelfSigned.generate("edge.example.com", made), FILE, made);
        String refused = FILE + ": the private key belongs to none of the 1 certificate(s) in the file; still serving \"CN=edge.example.com\"";
        assertEquals(List.of(refused), CertificateProblems.lines(served, refused, made));
        assertEquals(2, CertificateProblems.lines(served, refused, served.leaf().getNotAfter().toInstant()).size());
    }
}
