package org.gatehouse.status.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.ServerCertificates;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The certificate every TLS listener serves: whose it is and when it expires. What is wrong with it (a
 * refused file, an expiry within 21 days) the TLS bundle states as Problems, listed at the top of the
 * page by {@link ProblemStatus}: this block does not repeat them.
 */
@Component(name = "org.gatehouse.status.certificate", service = {MetricsSource.class, PageSection.class})
public final class CertificateStatus implements MetricsSource, PageSection {

    private final ServerCertificates certificates;

    @Activate
    public CertificateStatus(@Reference ServerCertificates certificates) {
        this.certificates = certificates;
    }

    @Override
    public void collect(Metrics m) {
        CertificateInfo c = certificates.current();
        m.gauge("gatehouse_certificate_not_after_seconds", "End of the served certificate's validity, in seconds since the epoch.",
                c.notAfter().getEpochSecond(), "subject", c.subject());
        m.gauge("gatehouse_certificate_expires_in_seconds", "Seconds until the served certificate expires (negative once expired).",
                Duration.between(Instant.now(), c.notAfter()).getSeconds(), "subject", c.subject());
        m.gauge("gatehouse_certificate_self_signed", "Whether the served certificate is self-signed (1) or not (0).",
                c.selfSigned() ? 1 : 0, "subject", c.subject());
        m.gauge("gatehouse_certificate_file_refused", "Whether the configured certificate file is refused and another certificate "
                + "serves in its place (1) or not (0).", certificates.problem().isPresent() ? 1 : 0);
    }

    static long daysLeft(CertificateInfo c) {
        return Duration.between(Instant.now(), c.notAfter()).toDays();
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public void render(Html page) {
        CertificateInfo c = certificates.current();
        long days = daysLeft(c);
        page.heading("Certificate");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Subject", c.subject() + (c.selfSigned() ? " (self-signed)" : "")));
        rows.add(List.of("Names", c.namesText()));
        rows.add(List.of("Issuer", c.issuer()));
        rows.add(List.of("Valid until", c.notAfter() + " (" + days + " days left)"));
        rows.add(List.of("SHA-256", c.sha256Fingerprint()));
        rows.add(List.of("Engine", certificates.engine()));
        c.warnings().forEach(w -> rows.add(List.of("Warning", w)));
        if (certificates.problem().isPresent()) {
            rows.add(List.of("Configured file", "refused, another certificate serves in its place (see Problems)"));
        }
        page.facts(rows);
    }
}
