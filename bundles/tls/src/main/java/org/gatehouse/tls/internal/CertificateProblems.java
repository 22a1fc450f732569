package org.gatehouse.tls.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What is wrong with the certificate now, as the Problems gatehouse:status and the status page list
 * and {@code gatehouse_problems} counts: the configured file refused (what serves in its place), and
 * the certificate served expiring soon or expired. Each line begins with the file it is about.
 */
final class CertificateProblems {

    /** Fewer days left than this is a problem: time to get a certificate renewed before clients refuse it. */
    static final int WARN_DAYS = 21;

    private CertificateProblems() {
    }

    /**
     * @param served the certificate in force
     * @param refused why the configured file is not what is served (naming the file and what serves), or null
     */
    static List<String> lines(PemBundle served, String refused, Instant now) {
        List<String> out = new ArrayList<>();
        if (refused != null) {
            out.add(refused);
        }
        Instant notAfter = served.leaf().getNotAfter().toInstant();
        String what = served.source + ": the certificate served (\"" + served.leaf().getSubjectX500Principal().getName() + "\")";
        if (!notAfter.isAfter(now)) {
            out.add(what + " expired on " + notAfter + ": clients refuse it; install a new one with tls:cert-install");
        } else {
            long days = Duration.between(now, notAfter).toDays();
            if (days < WARN_DAYS) {
                out.add(what + " expires in " + days + (days == 1 ? " day" : " days") + ", on " + notAfter
                        + ": install a new one with tls:cert-install");
            }
        }
        return out;
    }
}
