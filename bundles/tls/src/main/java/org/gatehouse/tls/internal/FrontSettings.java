package org.gatehouse.tls.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** The HTTPS and HTTP listener part of {@code etc/org.gatehouse.tls.cfg}, validated as a whole. */
record FrontSettings(List<InetSocketAddress> https, List<InetSocketAddress> http, int publicHttpsPort, String hsts,
        String contentTypeOptions, String referrerPolicy, String contentSecurityPolicy, RequestReader.Limits limits,
        int headerReadTimeoutSeconds, int idleTimeoutSeconds, Path accessLog, String fqdn, String source) {

    static FrontSettings read(Map<String, ?> properties, String fqdn) throws InvalidSettingException {
        Settings s = Settings.of(TlsSettings.PID, properties);
        List<InetSocketAddress> https = s.list("https-listen", List.of("0.0.0.0:8443"), t -> IpAddresses.parseSocketAddress(t, 443));
        List<InetSocketAddress> http = s.list("http-listen", List.of("0.0.0.0:8080"), t -> IpAddresses.parseSocketAddress(t, 80));
        int defaultPort = https.isEmpty() ? 443 : https.get(0).getPort();
        int publicPort = s.integer("public-https-port", defaultPort == 0 ? 443 : defaultPort, 1, 65535);
        int requestLine = s.integer("max-request-line", 8192, 256, 1 << 20);
        int headerBytes = s.integer("max-header-size", 16384, 1024, 1 << 20);
        int headerCount = s.integer("max-headers", 100, 10, 10_000);
        long body = s.integer("max-body", 10 * 1024 * 1024, 0, Integer.MAX_VALUE);
        int headerTimeout = s.integer("header-read-timeout", 10, 1, 3600);
        int idle = s.integer("idle-timeout", 75, 1, 86_400);
        String log = s.string("access-log", "data/log/access.log");
        Path accessLog = log.isEmpty() ? null : (Path.of(log).isAbsolute() ? Path.of(log)
                : log.startsWith("data/") ? InstallationPaths.data().resolve(log.substring(5)) : InstallationPaths.resolve(log));
        return new FrontSettings(List.copyOf(https), List.copyOf(http), publicPort, s.string("hsts", "max-age=31536000"),
                s.string("x-content-type-options", "nosniff"), s.string("referrer-policy", "strict-origin-when-cross-origin"),
                s.string("content-security-policy", "frame-ancestors 'self'"),
                new RequestReader.Limits(requestLine, headerBytes, headerCount, body), headerTimeout, idle, accessLog, fqdn,
                s.source());
    }
}
