package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate's life on a live TLS server, checked with {@code openssl s_client}: self-signed at
 * first start, installed, refused, rolled back, replaced by copying a file over the configured one —
 * and a connection opened before a swap keeps working after it.
 */
class CertificateLifecycleTest {

    @TempDir
    static Path home;
    static Pki pki;
    static EventLoops loops;
    static TlsComponent tls;
    static Channel server;
    static int port;
    static Path configured;

    @BeforeAll
    static void start() throws Exception {
        pki = new Pki(Files.createDirectories(home.resolve("pki")));
        System.setProperty("gatehouse.home", home.toString());
        loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
        tls = new TlsComponent();
        configured = home.resolve("etc/tls/server.pem");
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        tls.activate(p);
        server = new ServerBootstrap().group(loops.group()).channel(loops.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.serverContext(List.of("http/1.1")).newHandler(ch.alloc()), new Echo());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        if (tls != null) {
            tls.deactivate();
        }
        if (loops != null) {
            EventLoopsAccess.stop(loops);
        }
        System.clearProperty("gatehouse.home");
    }

    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** The subject line openssl s_client prints for the certificate this server presents now. */
    static String served() throws Exception {
        Process p = new ProcessBuilder("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "gatehouse.example.com", "-alpn", "http/1.1").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertTrue(out.contains("ALPN protocol: http/1.1"), out);
        assertTrue(out.matches("(?s).*Protocol *: TLSv1\\.3.*|(?s).*New, TLSv1\\.3.*"), "TLS 1.3 by default:\n" + out);
        for (String line : out.split("\n")) {
            if (line.startsWith("subject=")) {
                return line.substring("subject=".length()).strip();
            }
        }
        throw new AssertionError(out);
    }

    @Test
    void theWholeLife() throws Exception {
        // 1. No file configured yet: a self-signed certificate for hostname.domain, kept in data/tls.
        CertificateInfo first = tls.current();
        assertTrue(first.selfSigned());
        assertEquals(List.of("gatehouse.example.com"), first.subjectAlternativeNames());
        assertTrue(Files.exists(home.resolve("data/tls/self-signed.pem")));
        assertTrue(served().contains("CN = gatehouse.example.com") && served().contains("Gatehouse self-signed"));
        assertEquals(List.of(), tls.problems(), "five years left, nothing refused: no Problem");

        // A connection made now must survive every swap below.
        SSLSocket old = TrustingClient.connect(port);
        assertEquals("ping", roundTrip(old, "ping"));

        // 2. Install the operator's certificate (the guide's order).
        Path rsa = pki.write("bundle-rsa.pem", pki.read("rsa.pem"), pki.read("rsa.key"), pki.read("inter.pem"));
        CertificateInfo installed = tls.install(rsa);
        assertEquals("CN=gatehouse.example.com", installed.subject());
        assertFalse(installed.selfSigned());
        assertTrue(Files.exists(configured));
        String rsaSubject = served();
        assertTrue(rsaSubject.equals("CN = gatehouse.example.com"), rsaSubject);
        assertEquals("ping 2", roundTrip(old, "ping 2"), "the open connection was not touched");

        // 3. A bad file is refused; the installed certificate keeps serving.
        Path mismatched = pki.write("bad.pem", pki.read("rsa.pem"), pki.read("ec.key"));
        InvalidCertificateException e = assertThrows(InvalidCertificateException.class, () -> tls.install(mismatched));
        assertTrue(e.getMessage().contains("belongs to none"), e.getMessage());
        assertEquals(installed.sha256Fingerprint(), tls.current().sha256Fingerprint());

        // 4. Roll back to the self-signed one, and forward again.
        assertTrue(tls.rollback().selfSigned());
        assertTrue(served().contains("Gatehouse self-signed"));
        assertFalse(tls.rollback().selfSigned());
        assertEquals(installed.sha256Fingerprint(), tls.current().sha256Fingerprint());

        // 5. Copying a file over the configured one puts it in force (EC key, intermediates first).
        Files.writeString(configured, pki.read("inter.pem") + pki.traditionalKey("ec") + pki.read("ec.pem"));
        waitFor(() -> tls.current().keyType().startsWith("EC"));
        assertEquals("EC 256", tls.current().keyType());

        // 6. A broken file copied over it is refused; the EC certificate keeps serving.
        String ecFingerprint = tls.current().sha256Fingerprint();
        Files.writeString(configured, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
        Thread.sleep(5000);
        assertEquals(ecFingerprint, tls.current().sha256Fingerprint());
        assertEquals("CN = gatehouse.example.com", served());
        assertEquals("ping 3", roundTrip(old, "ping 3"));
        // A Problem (gatehouse:status, gatehouse_problems) naming the file and what serves meanwhile.
        assertEquals(1, tls.problems().size(), tls.problems().toString());
        assertTrue(tls.problems().get(0).startsWith(configured + ": "), tls.problems().get(0));
        assertTrue(tls.problems().get(0).endsWith("; still serving \"CN=gatehouse.example.com\""), tls.problems().get(0));

        // 7. A settings change naming a file that does not exist (a typo), or made while the
        // configured file is gone (renewal under way), keeps the operator's certificate: never
        // the self-signed one in its place.
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        p.put("certificate", home.resolve("etc/tls/sever.pem").toString());
        tls.modified(p);
        assertEquals(ecFingerprint, tls.current().sha256Fingerprint(), "a path that names no file is refused");
        assertEquals(1, tls.problems().size(), tls.problems().toString());
        assertTrue(tls.problems().get(0).contains(": certificate = '" + home.resolve("etc/tls/sever.pem") + "' does not exist; still serving"),
                tls.problems().get(0));
        Files.delete(configured);
        p.remove("certificate");
        p.put("session-timeout", "3600");
        tls.modified(p);
        assertEquals(ecFingerprint, tls.current().sha256Fingerprint(), "the configured file removed: still the operator's");
        assertEquals("CN = gatehouse.example.com", served());
        assertEquals("ping 4", roundTrip(old, "ping 4"));
        old.close();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertTrue(condition.getAsBoolean());
    }

    private static String roundTrip(SSLSocket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[text.length()];
        int n = 0;
        while (n < buf.length) {
            n += in.read(buf, n, buf.length - n);
        }
        return new String(buf, StandardCharsets.UTF_8);
    }
}
