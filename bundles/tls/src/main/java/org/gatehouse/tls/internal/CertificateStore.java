package org.gatehouse.tls.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import javax.net.ssl.SSLException;
import org.gatehouse.core.config.AtomicFiles;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;
import org.slf4j.Logger;

/**
 * Where the certificate in force comes from and goes: the operator's file ({@code certificate},
 * default {@code etc/tls/server.pem}), watched for replacement; without it, a self-signed one made
 * once for the configured FQDN and kept in {@code data/tls/self-signed.pem}; the one in force before
 * the current one (replaced by install, rollback or a copied file) in {@code data/tls/previous.pem};
 * the last one accepted from the operator's file in {@code data/tls/last-good.pem}, served at start
 * when that file is refused. Whatever is refused leaves the certificate in force serving, and stays
 * a {@link #problem()} until the file is accepted.
 */
final class CertificateStore {

    private static final Logger LOG = TlsComponentLog.LOG;

    /** What is in force: the certificate and the contexts made from it, swapped together. */
    record InForce(PemBundle certificate, SslContexts contexts, TlsSettings settings) {
    }

    private volatile InForce inForce;
    /**
     * The settings last put to {@link #apply} (set before anything is in force), also when they were refused for their certificate file:
     * the file the watcher looks at, and what is put in force with it once it is accepted (an edit of
     * the .cfg file made meanwhile is not lost).
     */
    private volatile TlsSettings wanted;
    /** Why the configured file is not what is served, or null while it is. */
    private volatile String problem;
    /** Whether {@link #problem} is the configured file refused: looked at again now and then, though it did not change (its permissions fixed, its notBefore reached). */
    private boolean fileRefused;
    private int pollsSinceRetry;
    /** The file {@link #poll} looked at last. */
    private Path watched;
    private FileTime seenModified;
    private long seenSize = -1;
    private boolean pendingChange;
    /** The (configured name, certificate fingerprint) pairs whose mismatch was logged. */
    private final java.util.Set<String> warnedNames = new java.util.HashSet<>();

    InForce inForce() {
        return inForce;
    }

    Path selfSignedFile() {
        return TlsSettings.data().resolve("tls/self-signed.pem");
    }

    Path previousFile() {
        return TlsSettings.data().resolve("tls/previous.pem");
    }

    Path lastGoodFile() {
        return TlsSettings.data().resolve("tls/last-good.pem");
    }

    /** Why the operator's certificate file is refused and what is served in its place; null while it is served. */
    String problem() {
        return problem;
    }

    /**
     * Puts {@code settings} in force with the certificate they name (or the self-signed one). A
     * configured file that is refused keeps the certificate in force, or, at start, falls back to the
     * last certificate accepted from it (else the self-signed one) so HTTPS still comes up. A
     * configured file that does not exist means the self-signed one only while no operator's
     * certificate is in force, and, at start, only when none was ever accepted from the file.
     */
    synchronized void apply(TlsSettings settings) throws InvalidCertificateException {
        wanted = settings;
        PemBundle certificate;
        boolean fromFile = false;
        String refused = null;
        if (Files.exists(settings.certificate())) {
            try {
                certificate = PemBundle.read(settings.certificate());
                fromFile = true;
            } catch (InvalidCertificateException e) {
                if (inForce != null) {
                    problem = e.getMessage() + "; still serving \"" + subject(inForce.certificate) + "\"";
                    fileRefused = true;
                    throw e;
                }
                certificate = fallback(settings);
                refused = e.getMessage() + "; serving \"" + subject(certificate) + "\" from " + certificate.source
                        + (certificate.source.equals(lastGoodFile().toString()) ? ", the last certificate accepted from it," : "")
                        + " until it is fixed";
                LOG.error("TLS: {}", refused);
            }
        } else if (inForce != null && !inForce.certificate.source.equals(selfSignedFile().toString())) {
            // The operator's certificate is in force: a path that names no file (a typo, a file
            // removed while it is renewed) must not swap it for the self-signed one.
            String message = settings.source() + ": certificate = '" + settings.certificate() + "' does not exist";
            problem = message + "; still serving \"" + subject(inForce.certificate) + "\"";
            fileRefused = false;
            throw new InvalidCertificateException(message);
        } else if (inForce == null && Files.exists(lastGoodFile())) {
            // At start, with the operator's certificate accepted before: the file is gone (removed
            // while it is renewed, a typo in the path), which must not put the box on the self-signed one.
            certificate = fallback(settings);
            if (certificate.source.equals(lastGoodFile().toString())) {
                refused = settings.source() + ": certificate = '" + settings.certificate() + "' does not exist; serving \""
                        + subject(certificate) + "\" from " + certificate.source + ", the last certificate accepted from it,"
                        + " until the file is back (delete " + lastGoodFile().getFileName() + " to serve the self-signed one)";
                LOG.error("TLS: {}", refused);
            }
        } else {
            certificate = selfSigned(settings);
        }
        remember(settings.certificate());
        putInForce(certificate, settings);
        problem = refused;
        fileRefused = refused != null && Files.exists(settings.certificate());
        if (fromFile) {
            keepLastGood(certificate);
        }
    }

    /**
     * What to serve at start when the configured file is refused: the last certificate accepted from
     * it, so a bad copy made before a restart does not put the box on the self-signed certificate;
     * the self-signed one only when there is none (or it too is unusable now, e.g. expired).
     */
    private PemBundle fallback(TlsSettings settings) throws InvalidCertificateException {
        Path lastGood = lastGoodFile();
        if (Files.exists(lastGood)) {
            try {
                return PemBundle.read(lastGood);
            } catch (InvalidCertificateException e) {
                LOG.warn("TLS: {}; it cannot stand in for {}", e.getMessage(), settings.certificate());
            }
        }
        return selfSigned(settings);
    }

    /** Keeps a copy of a certificate accepted from the configured file, for {@link #fallback}. */
    private void keepLastGood(PemBundle accepted) {
        Path file = lastGoodFile();
        try {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(accepted.pem)) {
                return;
            }
            writeAtomically(file, accepted.pem);
        } catch (IOException e) {
            LOG.warn("TLS: cannot keep a copy of the accepted certificate in {} ({}); if {} is refused at the next start, "
                    + "the self-signed certificate serves in its place", file, e.toString(), accepted.source);
        }
    }

    private static String subject(PemBundle certificate) {
        return certificate.leaf().getSubjectX500Principal().getName();
    }

    private PemBundle selfSigned(TlsSettings settings) throws InvalidCertificateException {
        Path file = selfSignedFile();
        if (Files.exists(file)) {
            try {
                PemBundle existing = PemBundle.read(file);
                if (existing.covers(settings.fqdn())) {
                    return existing;
                }
                LOG.info("TLS: the self-signed certificate is for {}, not {}: making a new one", existing.names(), settings.fqdn());
            } catch (InvalidCertificateException e) {
                LOG.warn("TLS: {}; making a new self-signed certificate", e.getMessage());
            }
        }
        String pem = SelfSigned.generate(settings.fqdn(), Instant.now());
        try {
            writeAtomically(file, pem);
        } catch (IOException e) {
            LOG.warn("TLS: cannot keep the self-signed certificate in {} ({}); it will be made again at the next start", file, e.toString());
        }
        PemBundle made = PemBundle.parse(pem, file.toString(), Instant.now());
        LOG.info("TLS: made a self-signed certificate for {} ({}); install the operator's certificate with tls:cert-install "
                + "or copy it to {}", settings.fqdn(), file, settings.certificate());
        return made;
    }

    private void putInForce(PemBundle certificate, TlsSettings settings) throws InvalidCertificateException {
        SslContexts contexts = new SslContexts(certificate, settings);
        try {
            contexts.check();
        } catch (SSLException | RuntimeException e) {
            throw new InvalidCertificateException(certificate.source + ": cannot make a TLS context with it ("
                    + (e.getCause() != null ? e.getCause() : e) + ")");
        }
        InForce before = inForce;
        inForce = new InForce(certificate, contexts, settings);
        CertificateInfo info = certificate.info(settings.fqdn());
        if (before == null || !PemBundle.fingerprint(before.certificate.leaf()).equals(info.sha256Fingerprint())) {
            LOG.info("TLS: serving \"{}\" ({}, names {}, issued by \"{}\", valid until {}, SHA-256 {}) from {}", info.subject(),
                    info.keyType(), info.namesText(), info.issuer(), info.notAfter(), info.sha256Fingerprint(),
                    certificate.source);
        }
        for (String w : info.warnings()) {
            // Every edit of the TLS file puts the same name and certificate in force again: a name
            // mismatch is said once per (name, certificate) pair, not at each edit (gatehouse:status
            // shows it while it lasts).
            if (w.startsWith("the configured name ") && !warnedNames.add(settings.fqdn() + " " + info.sha256Fingerprint())) {
                continue;
            }
            LOG.warn("TLS: {}", w);
        }
    }

    synchronized CertificateInfo install(Path file) throws InvalidCertificateException {
        InForce now = inForce;
        PemBundle.read(file);
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidCertificateException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        Path target = wanted.certificate();
        PemBundle candidate = PemBundle.parse(pem, target.toString(), Instant.now());
        swapIn(now, candidate, pem, previousFile());
        return candidate.info(wanted.fqdn());
    }

    /**
     * Puts {@code candidate} in force, then writes it to the configured file and what was in force to
     * {@code keep} (unless it is the same certificate: the rollback copy stays a different one); if
     * writing fails, what was in force goes back in force.
     */
    private void swapIn(InForce now, PemBundle candidate, String pem, Path keep) throws InvalidCertificateException {
        TlsSettings settings = wanted;
        putInForce(candidate, settings);
        Path target = settings.certificate();
        String keptBefore = null;
        boolean kept = false;
        try {
            if (!sameCertificate(now.certificate, candidate)) {
                keptBefore = Files.exists(keep) ? Files.readString(keep, StandardCharsets.UTF_8) : null;
                // From memory, not from its file: that file may already hold its successor (copied over it).
                writeAtomically(keep, now.certificate.pem);
                kept = true;
            }
            writeAtomically(target, pem);
            remember(target);
        } catch (IOException e) {
            putInForce(now.certificate, now.settings);
            String restored = kept ? restore(keep, keptBefore) : "";
            throw new InvalidCertificateException("cannot write " + target + " or " + keep + " (" + e.getMessage()
                    + "); the certificate in force is unchanged" + restored);
        }
        problem = null;
        fileRefused = false;
        keepLastGood(candidate);
    }

    /** {@code keep} back as it was before a swap that failed: the certificate to roll back to is not lost. */
    private static String restore(Path keep, String before) {
        try {
            if (before == null) {
                Files.deleteIfExists(keep);
            } else {
                writeAtomically(keep, before);
            }
            return "";
        } catch (IOException e) {
            return "; " + keep + " could not be put back either (" + e.getMessage() + ")";
        }
    }

    synchronized CertificateInfo rollback() throws InvalidCertificateException {
        InForce now = inForce;
        Path previous = previousFile();
        if (!Files.exists(previous)) {
            throw new InvalidCertificateException("no previous certificate to go back to (" + previous + " does not exist)");
        }
        PemBundle.read(previous);
        String pem;
        try {
            pem = Files.readString(previous, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidCertificateException(previous + ": cannot be read (" + e.getMessage() + ")");
        }
        PemBundle back = PemBundle.parse(pem, wanted.certificate().toString(), Instant.now());
        if (sameCertificate(now.certificate, back)) {
            throw new InvalidCertificateException("no previous certificate to go back to (" + previous
                    + " holds the certificate in force, SHA-256 " + PemBundle.fingerprint(back.leaf()) + ")");
        }
        swapIn(now, back, pem, previous);
        return back.info(wanted.fqdn());
    }

    private static boolean sameCertificate(PemBundle a, PemBundle b) {
        return PemBundle.fingerprint(a.leaf()).equals(PemBundle.fingerprint(b.leaf()));
    }

    /**
     * Called every couple of seconds: a file copied over the configured one is put in force once it has
     * stopped changing; one that is refused is logged once and the certificate in force stays.
     */
    synchronized void poll() {
        InForce now = inForce;
        if (now == null) {
            return;
        }
        Path file = wanted.certificate();
        if (!file.equals(watched)) {
            // Another path since the last look (a .cfg edit): whatever is there is new to this watcher,
            // also a file moved there with its old time and size.
            watched = file;
            seenModified = null;
            seenSize = -1;
            pendingChange = false;
        }
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return; // removed: keep serving what is in force
        } catch (IOException e) {
            return;
        }
        if (modified.equals(seenModified) && size == seenSize) {
            if (pendingChange) {
                pendingChange = false;
                pollsSinceRetry = 0;
                reload(file, now);
            } else if (fileRefused && ++pollsSinceRetry >= RETRY_POLLS) {
                // Refused and not changed since: what refused it may have (its permissions fixed with
                // chmod or chown, its notBefore reached), which changes neither its time nor its size.
                pollsSinceRetry = 0;
                reload(file, now);
            }
            return;
        }
        // Changed since the last look: wait until it stops changing (a copy may still be under way).
        seenModified = modified;
        seenSize = size;
        pendingChange = true;
    }

    /** Polls (2 s apart) between two looks at a refused file that did not change. */
    static final int RETRY_POLLS = 5;

    private void reload(Path file, InForce now) {
        TlsSettings settings = wanted;
        try {
            PemBundle fresh = PemBundle.read(file);
            if (fresh.pem.equals(now.certificate.pem) && now.certificate.source.equals(fresh.source) && settings.equals(now.settings)) {
                // The certificate in force copied back over a refused file. Only the same text: the
                // same leaf with another chain (intermediates appended, or fixed) is put in force.
                problem = null;
                fileRefused = false;
                return;
            }
            putInForce(fresh, settings);
            problem = null;
            fileRefused = false;
            keepLastGood(fresh);
            if (!sameCertificate(now.certificate, fresh)) {
                // What the copy replaced is the one to roll back to, as after tls:cert-install. Its text
                // comes from memory: the file it was read from now holds the copy.
                writeAtomically(previousFile(), now.certificate.pem);
            }
        } catch (InvalidCertificateException e) {
            String why = e.getMessage() + "; still serving \"" + subject(now.certificate) + "\"";
            if (!why.equals(problem)) {
                // Said once for each reason, not at every look at a file that stays refused.
                LOG.error("TLS: {}", why);
            }
            problem = why;
            fileRefused = true;
        } catch (IOException e) {
            LOG.warn("TLS: cannot keep the certificate the copy replaced in {} ({}); tls:cert-rollback cannot go back to it",
                    previousFile(), e.toString());
        }
    }

    private void remember(Path file) {
        watched = file;
        try {
            seenModified = Files.getLastModifiedTime(file);
            seenSize = Files.size(file);
        } catch (IOException e) {
            seenModified = null;
            seenSize = -1;
        }
        pendingChange = false;
    }

    /** The file holds a private key: owner-only, and whole or not at all, since the listener may read it at any time. */
    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, text, StandardCharsets.UTF_8, AtomicFiles.Option.OWNER_ONLY);
    }
}
