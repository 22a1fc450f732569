package org.gatehouse.tls.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.Background;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;
import org.gatehouse.tls.ServerCertificates;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The certificate service: reads {@code etc/org.gatehouse.tls.cfg}, keeps the certificate in force
 * (the operator's, or a self-signed one) and watches its file. Everything applies in place; what is
 * refused is logged in one line and the certificate in force keeps serving. A refused file and a
 * certificate that expires soon (or has expired) are Problems while they last.
 */
@Component(name = "org.gatehouse.tls.certificates", configurationPid = TlsSettings.PID, immediate = true,
        service = ServerCertificates.class)
@Designate(ocd = TlsConfiguration.class)
public final class TlsComponent implements ServerCertificates {

    private final CertificateStore store = new CertificateStore();
    private ScheduledFuture<?> watcher;
    /** Looks at the certificate file: never on an I/O thread, which a read that hangs (a stalled share) would hold. */
    private final ScheduledExecutorService background = Background.thread("gatehouse-tls-certificate-file");
    /** The cipher warnings last logged, so a change of another key in the file does not repeat them. */
    private List<String> cipherWarnings = List.of();
    /** The certificate file refused and the served certificate's expiry, for gatehouse:status and gatehouse_problems. */
    private ProblemSlot problems = new ProblemSlot(null);

    /**
     * Named apart from {@link #activate(Map)}: Declarative Services would prefer a method of that name
     * taking only the Map, and the Problems would then never be registered.
     */
    @Activate
    void activateInFramework(BundleContext context, Map<String, Object> properties) {
        problems = new ProblemSlot(context);
        activate(properties);
    }

    /** Outside OSGi (tests): the Problems are only kept. */
    void activate(Map<String, Object> properties) {
        TlsSettings s;
        try {
            s = TlsSettings.read(properties);
        } catch (InvalidSettingException e) {
            TlsComponentLog.LOG.error("{}; using the built-in TLS defaults", e.getMessage());
            s = defaults();
        }
        try {
            store.apply(s);
        } catch (InvalidCertificateException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        TlsComponentLog.LOG.info("TLS: engine {}", engine());
        warnAboutCiphers(s);
        warnUnknownKeys(properties);
        updateProblems();
        // Each look also checks the expiry again: days pass without the certificate changing.
        watcher = background.scheduleWithFixedDelay(() -> {
            try {
                store.poll();
                updateProblems();
            } catch (RuntimeException e) {
                TlsComponentLog.LOG.error("TLS: checking the certificate file failed; trying again in 2 s", e);
            }
        }, 2, 2, TimeUnit.SECONDS);
    }

    /** States the certificate's Problems as they are now; the slot registers only what changed. */
    private void updateProblems() {
        CertificateStore.InForce now = store.inForce();
        if (now != null) {
            problems.set(CertificateProblems.lines(now.certificate(), store.problem(), Instant.now()));
        }
    }

    /** For tests: the Problems in force. */
    List<String> problems() {
        return problems.lines();
    }

    private static TlsSettings defaults() {
        try {
            return TlsSettings.read(Map.of());
        } catch (InvalidSettingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            TlsSettings s = TlsSettings.read(properties);
            try {
                FrontSettings.read(properties, s.fqdn());
            } catch (InvalidSettingException e) {
                // The file is shared with the listener settings: refused whole, HttpFrontComponent says why.
                return;
            }
            store.apply(s);
            warnAboutCiphers(s);
        } catch (InvalidSettingException e) {
            TlsComponentLog.LOG.error("TLS: {}; keeping the TLS settings and certificate in force", e.getMessage());
            updateProblems();
            return;
        } catch (InvalidCertificateException e) {
            // The certificate file is watched (the one these settings name) and put in force with them once it is accepted.
            TlsComponentLog.LOG.error("TLS: {}; the certificate in force keeps serving, and these settings apply with the file once it is accepted",
                    e.getMessage());
            updateProblems();
            return;
        }
        updateProblems();
        warnUnknownKeys(properties);
    }

    /**
     * A misspelt key is otherwise ignored without a word, its default in force. Said here for the whole
     * file, whose listener keys HttpFrontComponent reads.
     */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(TlsComponentLog.LOG::warn, TlsSettings.PID, p, () -> FrontSettings.read(p, TlsSettings.read(p).fqdn()));
    }

    private void warnAboutCiphers(TlsSettings s) {
        List<String> warnings = SslContexts.cipherWarnings(s);
        if (!warnings.equals(cipherWarnings)) {
            warnings.forEach(w -> TlsComponentLog.LOG.warn("TLS: {}", w));
        }
        cipherWarnings = warnings;
    }

    @Deactivate
    void deactivate() {
        watcher.cancel(false);
        background.shutdownNow();
        problems.clear();
    }

    @Override
    public CertificateInfo current() {
        CertificateStore.InForce now = store.inForce();
        return now.certificate().info(now.settings().fqdn());
    }

    @Override
    public Optional<String> problem() {
        return Optional.ofNullable(store.problem());
    }

    @Override
    public SslContext serverContext(List<String> applicationProtocols) {
        return store.inForce().contexts().get(applicationProtocols);
    }

    @Override
    public String engine() {
        CertificateStore.InForce now = store.inForce();
        SslProvider p = now == null ? SslContexts.provider(TlsSettings.Engine.AUTO) : now.contexts().provider();
        if (p == SslProvider.OPENSSL) {
            return "OpenSSL (" + io.netty.handler.ssl.OpenSsl.versionString() + ", netty-tcnative)";
        }
        String reason = now != null && now.settings().engine() == TlsSettings.Engine.JDK ? "engine = jdk"
                : SslContexts.openSslUnavailableReason();
        return "JDK (" + reason + ")";
    }

    @Override
    public CertificateInfo inspect(Path pemFile) throws InvalidCertificateException {
        return PemBundle.read(pemFile).info(store.inForce().settings().fqdn());
    }

    @Override
    public CertificateInfo install(Path pemFile) throws InvalidCertificateException {
        try {
            return store.install(pemFile);
        } finally {
            updateProblems();
        }
    }

    @Override
    public CertificateInfo rollback() throws InvalidCertificateException {
        try {
            return store.rollback();
        } finally {
            updateProblems();
        }
    }
}
