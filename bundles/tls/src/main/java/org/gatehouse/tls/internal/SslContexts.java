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
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
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

    /** The TLS 1.3 suites. BoringSSL offers all three over TLS 1.3 and has no call to choose among them. */
    static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /** The cipher suites {@code provider} can offer, by their IANA names (as the JDK spells them). */
    static Set<String> suites(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            return OpenSsl.availableJavaCipherSuites();
        }
        return JdkSuites.ALL;
    }

    private static final class JdkSuites {
        static final Set<String> ALL = read();

        private static Set<String> read() {
            try {
                return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no TLS: " + e, e);
            }
        }
    }

    /**
     * Whether {@code name} is a cipher suite either engine on this machine knows: anything else is a
     * typo or a name in another spelling (OpenSSL's {@code ECDHE-ECDSA-AES128-GCM-SHA256}), which the
     * engines would drop without a word.
     */
    static boolean known(String name) {
        return JdkSuites.ALL.contains(name) || openSslAvailable() && OpenSsl.availableJavaCipherSuites().contains(name);
    }

    static String engineName(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /**
     * What of {@code ciphers} the engine in use will not do as listed, one line each naming the file
     * and key: suites only the other engine has (the default list's DHE suites with BoringSSL), and
     * a choice of TLS 1.3 suites, which BoringSSL ignores. Nothing for the default list, which is
     * meant for both engines.
     */
    static List<String> cipherWarnings(TlsSettings settings) {
        List<String> out = new ArrayList<>();
        if (settings.ciphers().equals(TlsSettings.INTERMEDIATE)) {
            return out;
        }
        SslProvider provider = provider(settings.engine());
        Set<String> offered = suites(provider);
        List<String> missing = settings.ciphers().stream().filter(c -> !offered.contains(c)).toList();
        if (!missing.isEmpty()) {
            out.add(settings.source() + ": ciphers lists " + String.join(", ", missing) + ", which the " + engineName(provider)
                    + " engine does not have: not offered");
        }
        if (provider == SslProvider.OPENSSL && OpenSsl.versionString().equals("BoringSSL") && settings.protocols().contains("TLSv1.3")) {
            List<String> tls13 = settings.ciphers().stream().filter(TLS13_SUITES::contains).toList();
            if (!Set.copyOf(tls13).equals(Set.copyOf(TLS13_SUITES))) {
                out.add(settings.source() + ": ciphers lists " + (tls13.isEmpty() ? "no TLS 1.3 suite" : "only " + String.join(", ", tls13)
                        + " of TLS 1.3's") + ", but the OpenSSL engine (BoringSSL) offers all of " + String.join(", ", TLS13_SUITES)
                        + " over TLS 1.3 and cannot be told otherwise; set engine = jdk for the TLS 1.3 suites listed, or take "
                        + "TLSv1.3 out of protocols");
            }
        }
        return out;
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
