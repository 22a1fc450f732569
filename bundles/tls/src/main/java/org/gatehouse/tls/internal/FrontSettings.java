package org.gatehouse.tls.internal;

import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** The HTTPS and HTTP listener part of {@code etc/org.gatehouse.tls.cfg}, validated as a whole. */
record FrontSettings(List<InetSocketAddress> https, List<InetSocketAddress> http, int publicHttpsPort, String hsts,
        String contentTypeOptions, String referrerPolicy, String contentSecurityPolicy, RequestReader.Limits limits,
        int headerReadTimeoutSeconds, int idleTimeoutSeconds, int sendTimeoutSeconds, Path accessLog, String fqdn, String source, SecurityFields fields) {

    /** Names of the security fields every answer carries, encoded once. */
    static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("Strict-Transport-Security");
    static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("X-Content-Type-Options");
    static final AsciiString REFERRER_POLICY = AsciiString.cached("Referrer-Policy");
    static final AsciiString CONTENT_SECURITY_POLICY = AsciiString.cached("Content-Security-Policy");

    /**
     * The values of the security fields encoded once when the settings are read (null: the field is
     * not sent), so that adding them to an answer copies bytes; non-ASCII characters become '?' as the
     * response encoder would make them.
     */
    record SecurityFields(AsciiString hsts, AsciiString contentTypeOptions, AsciiString referrerPolicy,
            AsciiString contentSecurityPolicy) {

        static SecurityFields of(String hsts, String contentTypeOptions, String referrerPolicy, String contentSecurityPolicy) {
            return new SecurityFields(encoded(hsts), encoded(contentTypeOptions), encoded(referrerPolicy), encoded(contentSecurityPolicy));
        }

        private static AsciiString encoded(String value) {
            return value.isEmpty() ? null : new AsciiString(value.getBytes(StandardCharsets.US_ASCII), false);
        }
    }

    private static final Pattern MAX_AGE = Pattern.compile("(?i)max-age\\s*=\\s*(\\d{1,10}|\"\\d{1,10}\")");

    /** RFC 6797 section 6.1: max-age once, and the directives browsers act on besides it, in any case and order. */
    static boolean hstsValue(String v) {
        int maxAge = 0;
        for (String d : v.split(";", -1)) {
            String t = d.strip();
            if (MAX_AGE.matcher(t).matches()) {
                maxAge++;
            } else if (!t.equalsIgnoreCase("includeSubDomains") && !t.equalsIgnoreCase("preload") && !t.isEmpty()) {
                return false;
            }
        }
        return maxAge == 1;
    }

    /** A response header value: printable ASCII, as it goes on the wire unchanged to every client. */
    private static String field(Settings s, String key, String defaultValue) throws InvalidSettingException {
        String v = s.string(key, defaultValue);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new InvalidSettingException(s.source(), key, v, "a header value has printable ASCII characters only (character "
                        + (i + 1) + " is " + String.format("U+%04X", (int) c) + ")");
            }
        }
        return v;
    }

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
        int send = s.integer("send-timeout", 60, 1, 86_400);
        String log = s.string("access-log", "data/log/access.log");
        Path accessLog = log.isEmpty() ? null : (Path.of(log).isAbsolute() ? Path.of(log)
                : log.startsWith("data/") ? InstallationPaths.data().resolve(log.substring(5)) : InstallationPaths.resolve(log));
        String hsts = field(s, "hsts", "max-age=31536000");
        if (!hsts.isEmpty() && !hstsValue(hsts)) {
            // A browser ignores a header it cannot read, so a typo would switch HSTS off without a word.
            throw new InvalidSettingException(s.source(), "hsts", hsts,
                    "not a Strict-Transport-Security value: max-age=SECONDS, optionally followed by '; includeSubDomains' and '; preload'"
                    + " (RFC 6797), or empty for none");
        }
        String contentTypeOptions = field(s, "x-content-type-options", "nosniff");
        String referrerPolicy = field(s, "referrer-policy", "strict-origin-when-cross-origin");
        String csp = field(s, "content-security-policy", "frame-ancestors 'self'");
        return new FrontSettings(List.copyOf(https), List.copyOf(http), publicPort, hsts, contentTypeOptions, referrerPolicy, csp,
                new RequestReader.Limits(requestLine, headerBytes, headerCount, body), headerTimeout, idle, send, accessLog, fqdn,
                s.source(), SecurityFields.of(hsts, contentTypeOptions, referrerPolicy, csp));
    }
}
