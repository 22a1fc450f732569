package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
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
    private final SslContext context;
    private final boolean checkName;

    private UpstreamTls(PoolSettings.Tls settings, SslContext context, boolean checkName) {
        this.settings = settings;
        this.context = context;
        this.checkName = checkName;
    }

    PoolSettings.Tls settings() {
        return settings;
    }

    /** Null when the pool speaks plain HTTP to its nodes. */
    static UpstreamTls of(PoolSettings.Tls s) throws GeneralSecurityException, IOException {
        if (!s.enabled()) {
            return new UpstreamTls(s, null, false);
        }
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(openSsl() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        boolean checkName = false;
        if (s.trustAll()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (!s.fingerprints().isEmpty()) {
            b.trustManager(new PinnedTrust(s.fingerprints()));
        } else if (s.caFile() != null) {
            b.trustManager(new ExplainedTrust(caTrust(s), "is not signed by a CA in tls-ca-file " + s.caFile(), !s.name().isEmpty()));
            checkName = true;
        } else {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            b.trustManager(new ExplainedTrust(system, "is not signed by one of the system's trusted CAs (no tls-fingerprints, tls-ca-file or "
                    + "tls-trust-all set)", !s.name().isEmpty()));
            checkName = true;
        }
        return new UpstreamTls(s, b.build(), checkName);
    }

    private static TrustManagerFactory caTrust(PoolSettings.Tls s) throws GeneralSecurityException, IOException {
        Collection<? extends java.security.cert.Certificate> cas;
        try (var in = Files.newInputStream(s.caFile())) {
            cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (cas.isEmpty()) {
            throw new CertificateException("no certificate in " + s.caFile());
        }
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
