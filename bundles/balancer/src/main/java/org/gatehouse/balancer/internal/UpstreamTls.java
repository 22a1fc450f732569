package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The client TLS context towards a pool's nodes. Trust, in order of precedence: explicit trust-all;
 * pinned SHA-256 certificate fingerprints (self-signed nodes); a CA file; the system's CAs. With a CA
 * (file or system) the certificate must also name the node ({@code tls-name}, else the node's host).
 */
final class UpstreamTls {

    private final PoolSettings.Tls settings;
    /** Replaced when the CA file changes ({@link #reloadCa}): new connections use the new one, those open keep theirs. */
    private volatile SslContext context;
    private final boolean checkName;
    /** What the CA file read as when {@link #context} was made from it; null without a CA file in use. */
    private volatile String caStamp;

    private UpstreamTls(PoolSettings.Tls settings, SslContext context, boolean checkName, String caStamp) {
        this.settings = settings;
        this.context = context;
        this.checkName = checkName;
        this.caStamp = caStamp;
    }

    PoolSettings.Tls settings() {
        return settings;
    }

    /** Null when the pool speaks plain HTTP to its nodes. */
    static UpstreamTls of(PoolSettings.Tls s) throws GeneralSecurityException, IOException, CaFileException {
        if (!s.enabled()) {
            return new UpstreamTls(s, null, false, null);
        }
        byte[] ca = usesCaFile(s) ? readCa(s.caFile()) : null;
        // With a CA (the file or the system's) the certificate must also name the node.
        return new UpstreamTls(s, context(s, ca), !s.trustAll() && s.fingerprints().isEmpty(), ca == null ? null : stamp(ca));
    }

    /** Trust keys that the others override, or that {@code tls = false} makes moot: one line, as they are otherwise ignored without a word. */
    static void warnUnusedKeys(PoolSettings s) {
        PoolSettings.Tls t = s.tls();
        if (!t.enabled()) {
            List<String> set = new ArrayList<>();
            if (t.caFile() != null) {
                set.add("tls-ca-file");
            }
            if (!t.fingerprints().isEmpty()) {
                set.add("tls-fingerprints");
            }
            if (t.trustAll()) {
                set.add("tls-trust-all");
            }
            if (!t.name().isEmpty() && s.healthCheck() != PoolSettings.HealthCheck.HTTP) {
                // With http health checks, tls-name is also the Host of their GET.
                set.add("tls-name");
            }
            if (!set.isEmpty()) {
                Balancer.LOG.warn("Balancer: {}: tls = false: {} {} no effect (the pool speaks plain HTTP to its nodes)", s.source(),
                        String.join(", ", set), set.size() == 1 ? "has" : "have");
            }
            return;
        }
        List<String> ignored = new ArrayList<>();
        if (t.trustAll() && !t.fingerprints().isEmpty()) {
            ignored.add("tls-fingerprints");
        }
        if (t.caFile() != null && (t.trustAll() || !t.fingerprints().isEmpty())) {
            ignored.add("tls-ca-file");
        }
        if (!ignored.isEmpty()) {
            Balancer.LOG.warn("Balancer: {}: {} {} ignored: {} wins (trust is tls-trust-all, else tls-fingerprints, else tls-ca-file); "
                    + "remove what you do not mean", s.source(), String.join(" and ", ignored), ignored.size() == 1 ? "is" : "are",
                    t.trustAll() ? "tls-trust-all = true" : "tls-fingerprints");
        }
    }

    /** Whether trust comes from {@code tls-ca-file} (neither tls-trust-all nor tls-fingerprints, which win over it, is set). */
    static boolean usesCaFile(PoolSettings.Tls s) {
        return s.enabled() && !s.trustAll() && s.fingerprints().isEmpty() && s.caFile() != null;
    }

    private static SslContext context(PoolSettings.Tls s, byte[] ca) throws GeneralSecurityException, IOException, CaFileException {
        // The node's name is checked by handler() where trust comes from CAs; Netty 4.2 would also check it
        // (against the peer's host) for pinned certificates and tls-trust-all, which name no node.
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(openSsl() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .endpointIdentificationAlgorithm(null);
        if (s.trustAll()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (!s.fingerprints().isEmpty()) {
            b.trustManager(new PinnedTrust(s.fingerprints()));
        } else if (s.caFile() != null) {
            b.trustManager(new ExplainedTrust(caTrust(ca), "is not signed by a CA in tls-ca-file " + s.caFile(), !s.name().isEmpty()));
        } else {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            b.trustManager(new ExplainedTrust(system, "is not signed by one of the system's trusted CAs (no tls-fingerprints, tls-ca-file or "
                    + "tls-trust-all set)", !s.name().isEmpty()));
        }
        return b.build();
    }

    /**
     * The CA file as it reads now: its SHA-256, or why it cannot be read. Compared every few seconds
     * ({@link #caFileChanged}): the file is small, and its content says more than its time and size.
     */
    static String stampOf(Path file) {
        try {
            return stamp(Files.readAllBytes(file));
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    private static String stamp(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Whether this context's CA file no longer reads as it did when the context was made. */
    boolean caFileChanged() {
        return caStamp != null && !caStamp.equals(stampOf(settings.caFile()));
    }

    /**
     * Makes the trust from the CA file as it is now, for new connections to the nodes; connections
     * open (kept alive or under way) go on with the trust they were made with. On failure the trust in
     * force stays.
     */
    void reloadCa() throws GeneralSecurityException, IOException, CaFileException {
        byte[] ca = readCa(settings.caFile());
        context = context(settings, ca);
        caStamp = stamp(ca);
    }

    /** The CA file's bytes, or the reason it cannot be read in plain words. */
    static byte[] readCa(Path file) throws CaFileException {
        try {
            byte[] bytes = Files.readAllBytes(file);
            caCertificates(file, bytes);
            return bytes;
        } catch (NoSuchFileException e) {
            throw new CaFileException(file, "file not found");
        } catch (AccessDeniedException e) {
            throw new CaFileException(file, "not readable (permission denied)");
        } catch (IOException e) {
            throw new CaFileException(file, Files.isDirectory(file) ? "is a directory, not a file" : "not readable (" + e.getMessage() + ")");
        }
    }

    private static Collection<? extends java.security.cert.Certificate> caCertificates(Path file, byte[] bytes) throws CaFileException {
        boolean pem = new String(bytes, StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----");
        Collection<? extends java.security.cert.Certificate> cas;
        try {
            cas = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
        } catch (CertificateException e) {
            throw new CaFileException(file, pem ? "a certificate in it cannot be parsed" : "holds no PEM certificate");
        }
        if (cas.isEmpty()) {
            throw new CaFileException(file, "holds no PEM certificate");
        }
        return cas;
    }

    /** Why a CA file cannot be used, in plain words (file not found, not readable, holds no PEM certificate, ...). */
    static final class CaFileException extends Exception {

        private static final long serialVersionUID = 1L;

        private final transient Path file;
        private final String reason;

        CaFileException(Path file, String reason) {
            super(file + ": " + reason);
            this.file = file;
            this.reason = reason;
        }

        Path file() {
            return file;
        }

        String reason() {
            return reason;
        }
    }

    private static TrustManagerFactory caTrust(byte[] ca) throws GeneralSecurityException, IOException, CaFileException {
        Collection<? extends java.security.cert.Certificate> cas = caCertificates(null, ca);
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (var c : cas) {
            ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    private static boolean openSsl() {
        try {
            return OpenSsl.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    boolean enabled() {
        return context != null;
    }

    /** A handler for a new connection to {@code node}: SNI and the checked name are tls-name or the node's host. */
    SslHandler handler(ByteBufAllocator alloc, NodeSpec node) {
        String name = settings.name().isEmpty() ? node.host() : settings.name();
        SslHandler h = context.newHandler(alloc, name, node.port());
        if (checkName) {
            SSLEngine engine = h.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(p);
        }
        return h;
    }

    /** Trusts exactly the certificates whose SHA-256 fingerprint is pinned (the node's own, typically self-signed). */
    static final class PinnedTrust implements X509TrustManager {

        private final Set<String> pins;

        PinnedTrust(Set<String> pins) {
            this.pins = pins;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the node sent no certificate");
            }
            String fp = fingerprint(chain[0]);
            if (!pins.contains(fp)) {
                throw new CertificateException("the node's certificate (SHA-256 " + fp + ") matches none of tls-fingerprints");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /**
     * Trust through CAs (a CA file or the system's), with the reason a certificate is refused in
     * words an operator can act on: OpenSSL reports every refusal as "General OpenSslEngine problem",
     * and the JDK's own words ("PKIX path building failed") do not say which setting is in question.
     * A handshake is checked once, chain and name together; only a refused one is checked again
     * without the name, so that a refusal of the name alone is told apart.
     */
    static final class ExplainedTrust extends X509ExtendedTrustManager {

        private final X509ExtendedTrustManager delegate;
        private final String untrusted;
        private final boolean nameSet;

        ExplainedTrust(TrustManagerFactory f, String untrusted, boolean nameSet) throws KeyStoreException {
            X509ExtendedTrustManager d = null;
            for (TrustManager m : f.getTrustManagers()) {
                if (m instanceof X509ExtendedTrustManager) {
                    d = (X509ExtendedTrustManager) m;
                }
            }
            if (d == null) {
                throw new KeyStoreException("no X.509 trust manager");
            }
            this.delegate = d;
            this.untrusted = untrusted;
            this.nameSet = nameSet;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            noChain(chain);
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                // Refused: the chain alone, checked again only now, says whether the name was the reason.
                checkChain(chain, authType);
                String name = engine == null ? null : engine.getPeerHost();
                throw new CertificateException("the node's certificate (" + subject(chain) + ") does not name "
                        + (nameSet ? "tls-name " + name : name + " (set tls-name to a name it carries)"), e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            noChain(chain);
            try {
                delegate.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                checkChain(chain, authType);
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkChain(chain, authType);
        }

        private static void noChain(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the node sent no certificate");
            }
        }

        private void checkChain(X509Certificate[] chain, String authType) throws CertificateException {
            noChain(chain);
            try {
                delegate.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                throw new CertificateException("the node's certificate (" + subject(chain) + ") " + untrusted, e);
            }
        }

        private static String subject(X509Certificate[] chain) {
            return chain[0].getSubjectX500Principal().getName();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** The reason a handshake failed: the trust manager's words when it refused the node, else the engine's. */
    static String reason(Throwable handshakeFailure) {
        for (Throwable t = handshakeFailure; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return t.getMessage();
            }
        }
        return handshakeFailure.getMessage();
    }

    static String fingerprint(X509Certificate c) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new CertificateException(e);
        }
    }
}
