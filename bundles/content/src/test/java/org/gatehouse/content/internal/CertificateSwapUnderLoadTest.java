package org.gatehouse.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wrk keeps HTTPS busy (keep-alive connections) while the certificate is replaced with
 * tls:cert-install's service call: no request fails, no connection breaks, and a new connection
 * made afterwards sees the new certificate.
 */
class CertificateSwapUnderLoadTest {

    @TempDir
    Path home;

    private static void require(String tool) {
        if (!new File(tool).canExecute()) {
            System.out.println("SKIPPED CertificateSwapUnderLoadTest: " + tool + " not installed");
            Assumptions.assumeTrue(false, tool + " not installed");
        }
    }

    private static String run(Path dir, List<String> cmd, int seconds) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), String.join(" ", cmd));
        return out;
    }

    @Test
    void noRequestFailsAndNewConnectionsGetTheNewCertificate() throws Exception {
        require("/usr/bin/wrk");
        require("/usr/bin/openssl");
        Path webapp = Files.createDirectories(home.resolve("webapp"));
        Files.writeString(webapp.resolve("hello.html"), "<p>hello</p>\n".repeat(40));
        try (TestFront front = new TestFront(home)) {
            ContentComponent content = new ContentComponent();
            content.apply(ContentSettings.read(Map.of("folder", webapp.toString(), "mount", "/")));
            front.route(content.route(), Map.of(HttpRoute.PREFIX, "/"));
            String before = front.certificates().current().sha256Fingerprint();
            run(home, List.of("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "new.key", "-out", "new.crt", "-days", "30", "-subj", "/CN=gatehouse.example.com",
                    "-addext", "subjectAltName=DNS:gatehouse.example.com"), 30);
            Path pem = Files.writeString(home.resolve("new.pem"), Files.readString(home.resolve("new.crt")) + Files.readString(home.resolve("new.key")));

            Process wrk = new ProcessBuilder("/usr/bin/wrk", "-t1", "-c16", "-d6s", "--latency",
                    "https://127.0.0.1:" + front.port() + "/hello.html").redirectErrorStream(true).start();
            Thread.sleep(2500);
            CertificateInfo installed = front.certificates().install(pem);
            assertTrue(wrk.waitFor(30, TimeUnit.SECONDS));
            String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("[wrk during the certificate swap]\n" + out);
            Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
            assertTrue(requests.find(), out);
            assertTrue(Long.parseLong(requests.group(1)) > 1000, out);
            assertFalse(out.contains("Socket errors"), "no connect/read/write/timeout errors:\n" + out);
            assertFalse(out.contains("Non-2xx"), "every answer 200:\n" + out);

            assertFalse(before.equals(installed.sha256Fingerprint()));
            String served = run(home, List.of("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + front.port(), "-servername",
                    "gatehouse.example.com"), 20);
            Matcher subject = Pattern.compile("(?m)^subject=(.*)$").matcher(served);
            assertTrue(subject.find(), served);
            assertEquals("CN = gatehouse.example.com", subject.group(1).strip(), "the new, not self-signed, certificate:\n" + served);
            assertFalse(served.contains("Gatehouse self-signed"), served);
        }
    }
}
