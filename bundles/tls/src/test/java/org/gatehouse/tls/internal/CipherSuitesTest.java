package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ciphers} as a real TLS client sees it: a JDK client offering one suite at a time over
 * loopback shakes hands only when the server accepts that suite. An unknown name is refused with one
 * line and the suites in force stay; TLS 1.3 suites are honoured by the JDK engine, and BoringSSL's
 * fixed TLS 1.3 list is said in the log.
 */
class CipherSuitesTest {

    static final String ECDSA_128 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    static final String ECDSA_256 = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";

    @TempDir
    Path home;
    EventLoops loops;
    TlsComponent tls;
    Channel server;
    int port;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** Starts the certificate service (self-signed ECDSA) and a TLS server on loopback, capturing the log. */
    void start(Map<String, Object> settings) throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
        tls = new TlsComponent();
        logged(() -> tls.activate(properties(settings)));
        server = new ServerBootstrap().group(loops.group()).channel(loops.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.serverContext(List.of()).newHandler(ch.alloc()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    static Map<String, Object> properties(Map<String, Object> settings) {
        Map<String, Object> p = new HashMap<>();
        p.put("hostname", "gatehouse");
        p.put("domain", "example.com");
        p.putAll(settings);
        return p;
    }

    void logged(Runnable r) {
        PrintStream err = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(err);
        }
    }

    /**
     * Gatehouse's TLS lines at {@code level}: not Netty's own, which a refused handshake (run on the I/O
     * thread) may log while a later step is being captured.
     */
    List<String> lines(String level) {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" " + level + " org.gatehouse.tls ")).toList();
    }

    @AfterEach
    void stop() throws Exception {
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

    /** The suite agreed when the client offers only {@code suite} over {@code protocol}; null when the server refuses it. */
    String handshake(String protocol, String suite) throws Exception {
        try (SSLSocket s = TrustingClient.socket(port)) {
            s.setEnabledProtocols(new String[] {protocol});
            s.setEnabledCipherSuites(new String[] {suite});
            s.startHandshake();
            return s.getSession().getCipherSuite();
        } catch (IOException refused) {
            return null;
        }
    }

    @Test
    void anUnknownNameIsRefusedWithOneLineAndTheSuitesInForceStay() throws Exception {
        Assumptions.assumeTrue(SslContexts.openSslAvailable(), "netty-tcnative not loadable");
        start(Map.of("engine", "openssl", "ciphers", "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
                + ECDSA_256));
        assertEquals(List.of(), lines("WARN"), "all of TLS 1.3's suites listed: nothing to say");
        assertEquals(ECDSA_256, handshake("TLSv1.2", ECDSA_256));
        assertNull(handshake("TLSv1.2", ECDSA_128), "not listed: refused");

        logged(() -> tls.modified(properties(Map.of("engine", "openssl", "ciphers", "TLS_FOO, " + ECDSA_128))));
        List<String> errors = lines("ERROR");
        assertEquals(1, errors.size(), log.toString(StandardCharsets.UTF_8));
        assertTrue(errors.get(0).contains("ciphers = 'TLS_FOO' is not a cipher suite the TLS engines know"), errors.get(0));
        assertTrue(errors.get(0).contains("configuration org.gatehouse.tls") || errors.get(0).contains("org.gatehouse.tls.cfg"),
                errors.get(0));
        assertEquals(ECDSA_256, handshake("TLSv1.2", ECDSA_256), "the suites in force stay");
        assertNull(handshake("TLSv1.2", ECDSA_128), "the suites in force stay");

        // An OpenSSL-style name is not an IANA name either.
        logged(() -> tls.modified(properties(Map.of("engine", "openssl", "ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"))));
        assertEquals(2, lines("ERROR").size(), log.toString(StandardCharsets.UTF_8));
        assertNull(handshake("TLSv1.2", ECDSA_128));

        // A good list applies.
        logged(() -> tls.modified(properties(Map.of("engine", "openssl", "ciphers", ECDSA_128))));
        assertEquals(ECDSA_128, handshake("TLSv1.2", ECDSA_128));
        assertNull(handshake("TLSv1.2", ECDSA_256));
    }

    @Test
    void theJdkEngineOffersOnlyTheTls13SuitesListed() throws Exception {
        start(Map.of("engine", "jdk", "ciphers", "TLS_AES_128_GCM_SHA256, " + ECDSA_256));
        assertEquals("TLS_AES_128_GCM_SHA256", handshake("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
        assertNull(handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
        assertNull(handshake("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"));
        assertEquals(List.of(), lines("WARN"));
    }

    @Test
    void boringSslOffersAllOfTls13sSuitesAndTheLogSaysSo() throws Exception {
        Assumptions.assumeTrue(SslContexts.openSslAvailable() && io.netty.handler.ssl.OpenSsl.versionString().equals("BoringSSL"),
                "BoringSSL not loadable");
        start(Map.of("engine", "openssl", "ciphers", "TLS_AES_128_GCM_SHA256, " + ECDSA_256 + ", TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"));
        List<String> warnings = lines("WARN");
        assertEquals(2, warnings.size(), log.toString(StandardCharsets.UTF_8));
        assertTrue(warnings.get(0).contains("ciphers lists TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, which the OpenSSL (BoringSSL) engine does not have"),
                warnings.get(0));
        assertTrue(warnings.get(1).contains("ciphers lists only TLS_AES_128_GCM_SHA256 of TLS 1.3's, but the OpenSSL engine (BoringSSL) "
                + "offers all of"), warnings.get(1));
        // What the warning says, seen by a client: BoringSSL cannot be told which TLS 1.3 suites to use.
        assertEquals("TLS_AES_256_GCM_SHA384", handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
        assertEquals(ECDSA_256, handshake("TLSv1.2", ECDSA_256));
        assertNull(handshake("TLSv1.2", ECDSA_128));

        // Another key changed: the same warnings are not repeated.
        logged(() -> tls.modified(properties(Map.of("engine", "openssl", "session-timeout", "3600",
                "ciphers", "TLS_AES_128_GCM_SHA256, " + ECDSA_256 + ", TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"))));
        assertEquals(2, lines("WARN").size(), log.toString(StandardCharsets.UTF_8));
    }
}
