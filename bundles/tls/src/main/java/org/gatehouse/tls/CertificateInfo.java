package org.gatehouse.tls;

import java.time.Instant;
import java.util.List;

/**
 * What an operator needs to know about a certificate: whose it is, for which names, who signed it,
 * how long it is valid, its SHA-256 fingerprint, where it came from, and anything worth a warning
 * (such as the configured FQDN missing from its names).
 */
public record CertificateInfo(String subject, List<String> subjectAlternativeNames, String issuer, Instant notBefore,
        Instant notAfter, String sha256Fingerprint, String keyType, int chainLength, String source, boolean selfSigned,
        List<String> warnings) {

    /**
     * The names as the operator reads them: the subjectAltName DNS and IP names comma-separated, or,
     * for a certificate without any, {@code none (no subjectAltName; clients ignore the CN)}.
     */
    public String namesText() {
        return subjectAlternativeNames.isEmpty() ? "none (no subjectAltName; clients ignore the CN)" : String.join(", ", subjectAlternativeNames);
    }
}
