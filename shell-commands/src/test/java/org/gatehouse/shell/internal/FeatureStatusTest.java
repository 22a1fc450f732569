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
    void aRefusedCertificateFileIsMarkedInTheBlockAndLeftToTheTlsBundlesProblem() {
        FeatureStatus.Tls tls = new FeatureStatus.Tls();
        Certificates certificates = new Certificates();
        tls.certificates = certificates;
        StatusReport fine = new StatusReport();
        fine.sections(List.of(tls));
        assertTrue(fine.toString().endsWith("All well.\n"), fine.toString());

        certificates.problem = "/opt/gatehouse/etc/tls/server.pem: the private key belongs to none of the 1 certificate(s) in the file;"
                + " serving \"CN=edge.example.com\" from /opt/gatehouse/data/tls/last-good.pem, the last certificate accepted from it,"
                + " until it is fixed";
        // The TLS bundle registers it as a Problem (listed under Problems once, counted in gatehouse_problems).
        assertEquals(List.of(), tls.report().problems());
        assertTrue(tls.report().lines().contains("configured file refused, another certificate serves in its place (see Problems)"),
                tls.report().lines().toString());
        StatusReport refused = new StatusReport();
        refused.sections(List.of(tls));
        refused.problems(List.of(() -> certificates.problem));
        String text = refused.toString();
        assertFalse(text.contains("All well."), text);
        assertEquals(1, text.split("the private key belongs to none", -1).length - 1, "listed once:\n" + text);
        assertTrue(text.contains("\nProblems\n  - /opt/gatehouse/etc/tls/server.pem: the private key"), text);
    }
}
