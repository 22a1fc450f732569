package org.gatehouse.tls.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** The certificate and TLS part of {@code etc/org.gatehouse.tls.cfg}, validated as a whole. */
record TlsSettings(Path certificate, String hostname, String domain, List<String> protocols, List<String> ciphers,
        int sessionCacheSize, int sessionTimeoutSeconds, Engine engine, String source) {

    static final String PID = "org.gatehouse.tls";
    static final String DEFAULT_CERTIFICATE = "etc/tls/server.pem";

    enum Engine { AUTO, OPENSSL, JDK }

    /** TLS 1.3 suites, then Mozilla's "intermediate" TLS 1.2 suites (server-side guidelines v5.7). */
    static final List<String> INTERMEDIATE = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    static TlsSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        String certificateText = s.string("certificate", DEFAULT_CERTIFICATE);
        Path certificate;
        try {
            certificate = resolve(certificateText);
        } catch (RuntimeException e) {
            throw new InvalidSettingException(s.source(), "certificate", certificateText, "is not a file path: " + e.getMessage());
        }
        String hostname = s.string("hostname", localHostname());
        String domain = s.string("domain", "");
        String fqdn = domain.isEmpty() ? hostname : hostname + "." + domain;
        if (hostname.isEmpty() || !fqdn.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\\.?")) {
            throw new InvalidSettingException(s.source(), "hostname", fqdn, "is not a DNS name (letters, digits, hyphens, dots)");
        }
        List<String> protocols = s.list("protocols", List.of("TLSv1.3", "TLSv1.2"));
        for (String p : protocols) {
            if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2")) {
                throw new InvalidSettingException(s.source(), "protocols", String.join(", ", protocols),
                        "may list TLSv1.3 and TLSv1.2 only; older versions are broken");
            }
        }
        if (protocols.isEmpty()) {
            throw new InvalidSettingException(s.source(), "protocols", "", "must list TLSv1.3, TLSv1.2 or both");
        }
        List<String> ciphers = s.list("ciphers", INTERMEDIATE);
        if (ciphers.isEmpty()) {
            throw new InvalidSettingException(s.source(), "ciphers", "", "must list at least one cipher suite");
        }
        for (String c : ciphers) {
            // The engines drop a name they do not know without a word, and with none left use their own list.
            if (!SslContexts.known(c)) {
                throw new InvalidSettingException(s.source(), "ciphers", c, "is not a cipher suite the TLS engines know "
                        + "(IANA names, such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)");
            }
        }
        int cache = s.integer("session-cache-size", 20_480, 0, 10_000_000);
        int timeout = s.integer("session-timeout", 86_400, 60, 7 * 86_400);
        Engine engine = s.choice("engine", Engine.AUTO);
        var provider = SslContexts.provider(engine);
        if (ciphers.stream().noneMatch(SslContexts.suites(provider)::contains)) {
            // Left with none, an engine would use its own list instead.
            throw new InvalidSettingException(s.source(), "ciphers", String.join(", ", ciphers), "has no suite the "
                    + SslContexts.engineName(provider) + " engine has");
        }
        return new TlsSettings(certificate, hostname, domain, List.copyOf(protocols), List.copyOf(ciphers), cache, timeout,
                engine, s.source());
    }

    String fqdn() {
        String h = domain.isEmpty() ? hostname : hostname + "." + domain;
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    static String localHostname() {
        return IpAddresses.localHostName();
    }

    static Path resolve(String path) {
        return InstallationPaths.resolve(path);
    }

    static Path data() {
        return InstallationPaths.data();
    }
}
