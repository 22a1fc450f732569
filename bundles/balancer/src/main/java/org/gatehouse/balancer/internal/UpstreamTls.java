package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
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
            b.trustManager(caTrust(s));
            checkName = true;
        } else {
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
                throw new CertificateException("the node's certificate (SHA-256 " + fp + ") is not one of tls-fingerprints");
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

    static String fingerprint(X509Certificate c) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new CertificateException(e);
        }
    }
}
