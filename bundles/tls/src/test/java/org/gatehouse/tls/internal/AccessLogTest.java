package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-built access log line is the one String.format wrote (nginx combined + upstream + seconds). */
class AccessLogTest {

    @TempDir
    Path dir;

    @Test
    void linesAreTheCombinedFormatWithUpstreamAndSeconds() throws Exception {
        Path file = dir.resolve("log/access.log");
        long[] micros = {0, 499, 500, 1499, 1500, 999_999, 1_234_567, 61_000_500};
        long before = System.currentTimeMillis();
        try (AccessLog log = new AccessLog(file)) {
            for (long m : micros) {
                log.log("192.0.2.1", null, "GET", "/api/x?pin=1234&a=b", "HTTP/1.1", 200, 1024, null, "curl/8 \"q\"", "10.0.0.1:443", m);
            }
            log.log("2001:db8::1", "bob", "POST", "/plain", "HTTP/1.0", 502, 0, "https://ref/", null, null, 42);
        }
        long after = System.currentTimeMillis();
        List<String> lines = Files.readAllLines(file);
        assertEquals(micros.length + 1, lines.size(), String.join("\n", lines));
        for (int i = 0; i < micros.length; i++) {
            String line = lines.get(i);
            String expected = old(line, "192.0.2.1", null, "GET", "/api/x?pin=[FILTERED]&a=b", "HTTP/1.1", 200, 1024, "-", "curl/8 \\x22q\\x22",
                    "10.0.0.1:443", micros[i], before, after);
            assertEquals(expected, line);
        }
        assertEquals(old(lines.get(micros.length), "2001:db8::1", "bob", "POST", "/plain", "HTTP/1.0", 502, 0, "https://ref/", "-", "-", 42,
                before, after), lines.get(micros.length));
    }

    /** The line as String.format wrote it, with the time the line carries (checked to lie in [before, after]). */
    private static String old(String line, String client, String user, String method, String target, String version, int status, long bytes,
            String referer, String agent, String upstream, long micros, long before, long after) {
        DateTimeFormatter time = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
        String stamp = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
        long at = ZonedDateTime.parse(stamp, time).toInstant().toEpochMilli();
        if (at < before / 1000 * 1000 || at > after) {
            throw new AssertionError("time " + stamp + " outside the test");
        }
        return String.format(Locale.ROOT, "%s - %s [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" %s %.3f", client, user == null ? "-" : user, stamp, method,
                target, version, status, bytes, referer, agent, upstream, micros / 1e6);
    }
}
