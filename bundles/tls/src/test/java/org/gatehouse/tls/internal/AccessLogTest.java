package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static void line(AccessLog log, String path) {
        log.log("192.0.2.1", null, "GET", path, "HTTP/1.1", 200, 10, null, null, null, 5);
    }

    private static boolean contains(Path file, String path) {
        try {
            return Files.exists(file) && Files.readString(file).contains(" " + path + " ");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what);
            Thread.sleep(20);
        }
    }

    /** A file moved away (logrotate's default) is left for a new one of the same name within a second or so. */
    @Test
    void aFileMovedAwayIsFollowedByANewOne() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = new AccessLog(file)) {
            line(log, "/before");
            waitFor(() -> contains(file, "/before"), "the first line written");
            Files.move(file, dir.resolve("access.log.1"));
            Thread.sleep(1100);
            line(log, "/after");
            waitFor(() -> contains(file, "/after"), "a new file written after the rotation");
        }
        assertTrue(contains(dir.resolve("access.log.1"), "/before"));
        assertEquals(1, Files.readAllLines(file).size());
    }

    /**
     * A file that cannot be written (here the kernel's full device, as a full disk answers) costs the
     * lines of that time, counted, and not the log: it is written again once it can be.
     */
    @Test
    void aFileThatCannotBeWrittenIsTriedAgain() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/full")), "no /dev/full here");
        Path file = dir.resolve("access.log");
        Path real = dir.resolve("real.log");
        Files.createSymbolicLink(file, Path.of("/dev/full"));
        try (AccessLog log = new AccessLog(file, 1)) {
            line(log, "/lost");
            waitFor(() -> log.dropped() == 1, "the line that could not be written counted");
            Files.delete(file);
            Files.createSymbolicLink(file, real);
            Thread.sleep(1100);
            line(log, "/written");
            waitFor(() -> contains(real, "/written"), "written again after the failure");
        }
        assertEquals(1, Files.readAllLines(real).size());
    }

    /**
     * Secret parameters are filtered however a server would still read them (letter case,
     * percent-encoded names, ; as separator), and in the Referer too: a page opened with its PIN in the
     * address sends that address as Referer on every request it makes.
     */
    @Test
    void secretsAreFilteredInAnySpellingAndInTheReferer() throws Exception {
        assertEquals("/a?pin=[FILTERED]&x=1", AccessLog.filter("/a?pin=1234&x=1"));
        assertEquals("/a?PIN=[FILTERED]", AccessLog.filter("/a?PIN=1234"));
        assertEquals("/a?p%69n=[FILTERED]&to%6Ben=[FILTERED]", AccessLog.filter("/a?p%69n=1234&to%6Ben=abc"));
        assertEquals("/a?a=1;pin=[FILTERED];b=2", AccessLog.filter("/a?a=1;pin=1234;b=2"));
        assertEquals("/a?pinx=1&apin=2&pin", AccessLog.filter("/a?pinx=1&apin=2&pin"));
        assertEquals("/pin=1?x=1", AccessLog.filter("/pin=1?x=1"), "a path is not a query");
        assertEquals("/a?code=[FILTERED]#pin=1", AccessLog.filter("/a?code=abc#pin=1"));
        assertEquals("/a?%=1&%7=2&pin=[FILTERED]", AccessLog.filter("/a?%=1&%7=2&pin=9"));
        Path file = dir.resolve("log/referer.log");
        try (AccessLog log = new AccessLog(file)) {
            log.log("192.0.2.1", null, "GET", "/webapp/app.js", "HTTP/1.1", 200, 1, "https://edge/webapp/?conference=meet&pin=1234", null,
                    null, 1);
        }
        String line = Files.readString(file);
        assertTrue(line.contains("\"https://edge/webapp/?conference=meet&pin=[FILTERED]\""), line);
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

    /** A line logged after the log closed (its exchange outlived a change of access-log) counts as dropped, not lost unseen. */
    @Test
    void aLineAfterCloseIsCountedAsDropped() throws Exception {
        AccessLog log = new AccessLog(dir.resolve("closed.log"));
        log.close();
        log.log("192.0.2.1", null, "GET", "/", "HTTP/1.1", 200, 0, null, null, null, 1);
        assertEquals(1, log.dropped());
    }

    /** An exchange that ends after access-log changed (an event stream of hours) is written to the log in force then. */
    @Test
    void anExchangeEndingAfterAChangeIsWrittenToTheNewLog() throws Exception {
        Path first = dir.resolve("first.log");
        Path second = dir.resolve("second.log");
        java.util.concurrent.CompletableFuture<org.gatehouse.tls.http.HttpExchange> pending = new java.util.concurrent.CompletableFuture<>();
        try (TestFront front = new TestFront(dir, java.util.Map.of("access-log", first.toString()))) {
            front.route(pending::complete, java.util.Map.of(org.gatehouse.tls.http.HttpRoute.PREFIX, "/"));
            java.util.concurrent.CompletableFuture<String> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (javax.net.ssl.SSLSocket s = TrustingClient.connect(front.port())) {
                    s.getOutputStream().write("GET /long HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    return e.toString();
                }
            });
            org.gatehouse.tls.http.HttpExchange x = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
            front.modify(java.util.Map.of("access-log", second.toString()));
            x.eventLoop().execute(() -> x.respond(io.netty.handler.codec.http.HttpResponseStatus.OK, "text/plain", "done"));
            assertTrue(answer.get(10, java.util.concurrent.TimeUnit.SECONDS).startsWith("HTTP/1.1 200"));
            long end = System.nanoTime() + 5_000_000_000L;
            while (!(Files.exists(second) && Files.readString(second).contains("GET /long"))) {
                assertTrue(System.nanoTime() < end, "the line in the log in force: " + (Files.exists(second) ? Files.readString(second) : "none"));
                Thread.sleep(20);
            }
        }
    }
}
