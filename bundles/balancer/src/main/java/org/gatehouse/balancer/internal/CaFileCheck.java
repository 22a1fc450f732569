package org.gatehouse.balancer.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import org.gatehouse.core.ProblemSlot;

/**
 * A pool's CA file, looked at every few seconds: when it no longer reads as it did (the nodes' CA was
 * renewed), new connections to the nodes trust what it holds now, without an edit of the pool's file;
 * connections open (kept alive or under way) go on with the trust they were made with. A replaced
 * file that cannot be used is one line and a Problem, once per version of it, and the trust read
 * before stays in force.
 */
final class CaFileCheck {

    private final ProblemSlot problem;
    /** What the file read as when it last could not be used; null: the file in force is usable. */
    private String failed;

    CaFileCheck(ProblemSlot problem) {
        this.problem = problem;
    }

    /** A new trust is in force (the pool's file changed its TLS keys): what was said of the old one no longer holds. */
    synchronized void reset() {
        failed = null;
        problem.set((String) null);
    }

    synchronized void check(Pool pool) {
        UpstreamTls tls = pool.tls();
        if (tls == null || !UpstreamTls.usesCaFile(tls.settings())) {
            return;
        }
        String source = pool.settings().source();
        Path file = tls.settings().caFile();
        if (!tls.caFileChanged()) {
            if (failed != null) {
                reset();
                Balancer.LOG.info("Balancer: {}: tls-ca-file {} reads again as the CA certificate(s) in force", source, file);
            }
            return;
        }
        String now = UpstreamTls.stampOf(file);
        if (now.equals(failed)) {
            return;
        }
        try {
            tls.reloadCa();
            reset();
            Balancer.LOG.info("Balancer: {}: tls-ca-file {} changed: new connections to the nodes of pool {} trust the CA certificate(s) it "
                    + "holds now; connections open go on", source, file, pool.name());
        } catch (UpstreamTls.CaFileException | GeneralSecurityException | IOException e) {
            failed = now;
            String reason = e instanceof UpstreamTls.CaFileException ? ((UpstreamTls.CaFileException) e).reason()
                    : "gives no usable TLS context (" + e.getMessage() + ")";
            String line = source + ": tls-ca-file = '" + file + "' changed and cannot be used: " + reason + "; pool " + pool.name()
                    + " keeps trusting the CA certificate(s) it read before until the file is fixed";
            Balancer.LOG.error("Balancer: {}", line);
            problem.set(line);
        }
    }

    List<String> lines() {
        return problem.lines();
    }

    void clear() {
        problem.clear();
    }
}
