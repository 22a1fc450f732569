package org.gatehouse.tls.internal;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * Server contexts for one certificate and one set of TLS settings, one per list of ALPN protocols,
 * made on first use. OpenSSL (BoringSSL through netty-tcnative) when it loads and is not turned off,
 * the JDK's provider otherwise.
 */
final class SslContexts {

    private final PemBundle certificate;
    private final TlsSettings settings;
    private final SslProvider provider;
    private final ConcurrentHashMap<List<String>, SslContext> contexts = new ConcurrentHashMap<>();

    SslContexts(PemBundle certificate, TlsSettings settings) {
        this.certificate = certificate;
        this.settings = settings;
        this.provider = provider(settings.engine());
    }

    static SslProvider provider(TlsSettings.Engine engine) {
        if (engine == TlsSettings.Engine.JDK) {
            return SslProvider.JDK;
        }
        return openSslAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static boolean openSslAvailable() {
        try {
            return OpenSsl.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    static String openSslUnavailableReason() {
        try {
            Throwable cause = OpenSsl.unavailabilityCause();
            return cause == null ? "" : cause.toString();
        } catch (LinkageError e) {
            return "netty-tcnative is not installed (" + e + ")";
        }
    }

    SslProvider provider() {
        return provider;
    }

    /** Builds every context this set will hand out now, so a bad setting is found before it is put in force. */
    void check() throws SSLException {
        build(List.of("http/1.1"));
    }

    SslContext get(List<String> alpn) {
        return contexts.computeIfAbsent(List.copyOf(alpn), a -> {
            try {
                return build(a);
            } catch (SSLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private SslContext build(List<String> alpn) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(certificate.key, certificate.chain.toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(settings.protocols())
                .ciphers(settings.ciphers(), SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(settings.sessionCacheSize())
                .sessionTimeout(settings.sessionTimeoutSeconds())
                .clientAuth(ClientAuth.NONE);
        if (!alpn.isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE,
                    SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        return b.build();
    }
}
