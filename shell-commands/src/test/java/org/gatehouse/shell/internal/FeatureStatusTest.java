package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.ServerCertificates;
import org.junit.jupiter.api.Test;

class FeatureStatusTest {

    /** The certificate service as gatehouse:status sees it: a good certificate, and maybe a refused file. */
    private static final class Certificates implements ServerCertificates {
        String problem;

        @Override
        public CertificateInfo current() {
            Instant until = Instant.now().plus(Duration.ofDays(300));
            return new CertificateInfo("CN=edge.example.com", List.of("edge.example.com"), "CN=Test CA", until.minus(Duration.ofDays(65)),
                    until, "AA:BB", "EC 256", 2, "/opt/gatehouse/data/tls/last-good.pem", false, List.of());
        }

        @Override
        public Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        @Override
        public SslContext serverContext(List<String> applicationProtocols) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String engine() {
            return "JDK";
        }

        @Override
        public CertificateInfo inspect(Path pemFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CertificateInfo install(Path pemFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CertificateInfo rollback() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aRefusedCertificateFileIsAProblemEvenWhileAGoodCertificateServes() {
        FeatureStatus.Tls tls = new FeatureStatus.Tls();
        Certificates certificates = new Certificates();
        tls.certificates = certificates;
        StatusReport fine = new StatusReport();
        fine.sections(List.of(tls));
        assertTrue(fine.toString().endsWith("All well.\n"), fine.toString());

        certificates.problem = "/opt/gatehouse/etc/tls/server.pem: the private key belongs to none of the 1 certificate(s) in the file;"
                + " serving \"CN=edge.example.com\" from /opt/gatehouse/data/tls/last-good.pem, the last certificate accepted from it,"
                + " until it is fixed";
        assertEquals(List.of("certificate file refused: " + certificates.problem), tls.report().problems());
        StatusReport refused = new StatusReport();
        refused.sections(List.of(tls));
        String text = refused.toString();
        assertFalse(text.contains("All well."), text);
        assertTrue(text.contains("\nProblems\n  - certificate file refused: /opt/gatehouse/etc/tls/server.pem: the private key"), text);
    }
}
