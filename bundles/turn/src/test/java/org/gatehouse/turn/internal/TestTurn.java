package org.gatehouse.turn.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.stun.internal.TestStunServer;

/**
 * A TURN server on loopback for tests: the real STUN responder and event loops with the TURN
 * component plugged in, a user file with alice/secret and bob/hunter2 in realm gatehouse.test, relay on
 * 127.0.0.1 (and ::1) ports 61000-61999, loopback peers allowed.
 */
final class TestTurn implements AutoCloseable {

    static final String REALM = "gatehouse.test";

    final Path dir;
    final Path users;
    final TestStunServer stun;
    final TurnServerComponent turn = new TurnServerComponent();
    final Map<String, Object> config = new HashMap<>();

    TestTurn(String... keyValues) throws IOException {
        this(new TestStunServer(2), keyValues);
    }

    /** On {@code stun}'s listeners (it is closed with this server). */
    TestTurn(TestStunServer stun, String... keyValues) throws IOException {
        dir = Files.createTempDirectory("gatehouse-turn");
        users = dir.resolve("turn-users");
        Files.writeString(users, "# test users\nalice:0x" + hex(org.gatehouse.stun.message.Integrity.longTermKey("alice", REALM, "secret", 1))
                + "\nbob:hunter2\n");
        this.stun = stun;
        io.netty.handler.ssl.SslContext tls;
        try {
            io.netty.handler.ssl.util.SelfSignedCertificate self = new io.netty.handler.ssl.util.SelfSignedCertificate("turn.test");
            tls = io.netty.handler.ssl.SslContextBuilder.forServer(self.certificate(), self.privateKey()).build();
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(e);
        }
        io.netty.handler.ssl.SslContext context = tls;
        stun.tls(() -> context);
        config.put("realm", REALM);
        config.put("userdb", users.toString());
        config.put("relay-ip", "127.0.0.1, ::1");
        config.put("allowed-peer-ip", "127.0.0.1, ::1");
        // Above Linux's ephemeral range (32768-60999), where test clients' own sockets could hold a port.
        config.put("min-port", "61000");
        config.put("max-port", "61999");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        turn.loops = stun.loops;
        turn.start(config);
        stun.turn(turn);
    }

    /** Waits up to 5 s for {@code condition}; fails saying {@code what}. */
    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        org.junit.jupiter.api.Assertions.assertTrue(condition.getAsBoolean(), what);
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    InetSocketAddress udp() {
        return stun.address("udp");
    }

    InetSocketAddress tcp() {
        return stun.address("tcp");
    }

    InetSocketAddress tls() {
        return stun.address("tls");
    }

    /** Applies {@code keyValues} on top of the current configuration, as a .cfg edit would. */
    void reconfigure(String... keyValues) {
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        turn.modified(new HashMap<>(config));
    }

    TurnClient client() throws IOException {
        return TurnClient.udp(udp()).credentials("alice", "secret");
    }

    @Override
    public void close() throws IOException {
        turn.deactivate();
        stun.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** A UDP peer on loopback that records what it receives and can answer. */
    static final class Peer implements AutoCloseable {
        final DatagramSocket socket;

        Peer(String host) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(host, 0));
            socket.setSoTimeout(2000);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        /** The next datagram and its sender, or null. */
        Object[] receive(int waitMillis) throws IOException {
            socket.setSoTimeout(waitMillis);
            byte[] buf = new byte[4096];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (java.net.SocketTimeoutException e) {
                return null;
            }
            return new Object[] {Arrays.copyOf(buf, p.getLength()), p.getSocketAddress()};
        }

        void send(byte[] data, InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(data, data.length, to));
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
