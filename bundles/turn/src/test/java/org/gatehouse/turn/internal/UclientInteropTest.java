package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * coturn's own test client against Gatehouse: {@code turnutils_uclient} allocates (with an RTCP
 * allocation on the reserved odd port unless {@code -c}), binds channels or uses Send indications,
 * streams to {@code turnutils_peer} (an echo peer) and counts what comes back. Every run must end
 * with 0 lost packets. The same run then goes against coturn's own {@code turnserver} (one with the
 * long-term user, one with the REST secret: coturn takes one or the other), which must lose nothing
 * either: the client, the peer and the flags are shown to work, so a loss against Gatehouse is
 * Gatehouse's. Skipped, saying why, where Debian's coturn is not installed.
 */
class UclientInteropTest {

    private static final Pattern LOST = Pattern.compile("Total lost packets (\\d+) \\(([0-9.]+)%\\)");
    private static final Pattern SENT = Pattern.compile("tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)");

    private static TestTurn turn;
    private static Process peer;
    private static int peerPort;
    private static Coturn coturnUsers;
    private static Coturn coturnRest;

    @BeforeAll
    static void start() throws Exception {
        for (String tool : new String[] {"turnutils_uclient", "turnutils_peer"}) {
            if (!new File("/usr/bin/" + tool).canExecute()) {
                System.out.println("SKIPPED UclientInteropTest: /usr/bin/" + tool + " not installed (Debian package coturn)");
                Assumptions.assumeTrue(false, tool + " not installed");
            }
        }
        turn = new TestTurn("use-auth-secret", "true", "static-auth-secret", "north-secret");
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peerPort = s.getLocalPort();
        }
        peer = new ProcessBuilder("/usr/bin/turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peerPort))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (new File("/usr/bin/turnserver").canExecute()) {
            coturnUsers = new Coturn(30_000, "--lt-cred-mech", "--user=alice:secret");
            coturnRest = new Coturn(31_000, "--use-auth-secret", "--static-auth-secret=north-secret");
        } else {
            System.out.println("UclientInteropTest: /usr/bin/turnserver not installed: runs against Gatehouse only");
        }
        Thread.sleep(300);
    }

    @AfterAll
    static void stop() throws Exception {
        if (peer != null) {
            peer.destroy();
            peer.waitFor(5, TimeUnit.SECONDS);
        }
        for (Coturn c : new Coturn[] {coturnUsers, coturnRest}) {
            if (c != null) {
                c.close();
            }
        }
        if (turn != null) {
            turn.close();
        }
    }

    /**
     * Flags as turnutils_uclient takes them: {@code -t} TCP, {@code -s} Send indications instead of
     * channels, {@code -S} TLS (with {@code -t}), {@code -c} no RTCP allocation (else EVEN-PORT with a reservation), {@code -g}
     * DONT-FRAGMENT, {@code -X} IPv4 explicitly requested, {@code -W} REST API credentials.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "-s", "-t", "-t -s", "-c -g -X", "-W", "-t -W -s", "-t -S", "-t -S -s -W"})
    void uclientLosesNothing(String flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/turnutils_uclient", "-n", "40", "-m", "3", "-l", "180", "-z", "5",
                "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "-L", "127.0.0.1"));
        boolean rest = false;
        for (String f : flags.split(" ")) {
            if (f.equals("-W")) {
                rest = true;
            } else if (!f.isEmpty()) {
                cmd.add(f);
            }
        }
        if (rest) {
            cmd.addAll(List.of("-W", "north-secret", "-u", "conference-node"));
        } else {
            cmd.addAll(List.of("-u", "alice", "-w", "secret"));
        }
        boolean tls = cmd.contains("-S");
        InetSocketAddress server = tls ? turn.tls() : cmd.contains("-t") ? turn.tcp() : turn.udp();
        long createdBefore = turn.turn.statistics().allocationsCreated();
        long gatehouse = lossless(run(with(cmd, server.getPort())));
        long created = turn.turn.statistics().allocationsCreated() - createdBefore;
        assertTrue(created >= 3, "at least one allocation per client: " + created);
        Coturn coturn = rest ? coturnRest : coturnUsers;
        if (coturn != null) {
            String ref = run(with(cmd, tls ? coturn.tlsPort : coturn.port));
            Matcher lost = LOST.matcher(ref);
            if (lost.find() && !lost.group(1).equals("0")) {
                // The reference is there to show the client, peer and flags work; one unlucky run of
                // coturn's on a busy machine is run again before it counts.
                System.out.println("coturn lost packets; its run once more:\n" + ref);
                ref = run(with(cmd, tls ? coturn.tlsPort : coturn.port));
                lost = LOST.matcher(ref);
                if (lost.find() && !lost.group(1).equals("0")) {
                    // The reference, not the server under test: said, not failed (seen in CI: coturn's
                    // TLS listener answering "internal error" alerts on a loaded machine, twice).
                    System.out.println(ref);
                    System.out.printf("turnutils_uclient %s: gatehouse %d of %d messages back; coturn lost %s packets twice"
                            + " on this machine (both outputs above), so there is no lossless reference this run%n", flags, gatehouse, gatehouse,
                            lost.group(1));
                    return;
                }
            }
            long reference = lossless(ref);
            System.out.printf("turnutils_uclient %s: gatehouse %d of %d messages back, coturn %d of %d%n", flags, gatehouse, gatehouse,
                    reference, reference);
        }
    }

    /**
     * A drained Gatehouse sends uclient on: its probe Allocate gets 300 Try Alternate, which uclient
     * takes only with a valid MESSAGE-INTEGRITY, and its clients then allocate and stream through the
     * alternate server (the other Gatehouse here) with nothing lost; the drained one makes no allocation.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "-t"})
    void uclientFollowsADrainedServerToItsAlternate(String flags) throws Exception {
        boolean tcp = flags.equals("-t");
        int alternatePort = tcp ? turn.tcp().getPort() : turn.udp().getPort();
        try (TestTurn drained = new TestTurn("alternate-server", "127.0.0.1:" + alternatePort)) {
            drained.turn.drain(true);
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/turnutils_uclient", "-n", "40", "-m", "3", "-l", "180", "-z", "5",
                    "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "-L", "127.0.0.1", "-u", "alice", "-w", "secret"));
            if (tcp) {
                cmd.add("-t");
            }
            long createdBefore = turn.turn.statistics().allocationsCreated();
            long messages = lossless(run(with(cmd, tcp ? drained.tcp().getPort() : drained.udp().getPort())));
            assertEquals(0, drained.turn.statistics().allocationsCreated(), "the drained server made no allocation");
            assertTrue(drained.turn.draining().redirected() >= 1, "the probe was sent on: " + drained.turn.draining());
            assertTrue(turn.turn.statistics().allocationsCreated() - createdBefore >= 3, "the alternate made the allocations");
            System.out.printf("turnutils_uclient %s against a drained Gatehouse: sent to 127.0.0.1:%d, %d of %d messages back%n", flags,
                    alternatePort, messages, messages);
        }
    }

    private static List<String> with(List<String> cmd, int port) {
        List<String> out = new ArrayList<>(cmd);
        out.addAll(List.of("-p", String.valueOf(port), "127.0.0.1"));
        return out;
    }

    /** Asserts that uclient's run lost nothing; the number of messages sent (and received). */
    private static long lossless(String out) {
        Matcher lost = LOST.matcher(out);
        assertTrue(lost.find(), "turnutils_uclient finished its run:\n" + out);
        assertEquals("0", lost.group(1), "lost packets:\n" + out);
        // Progress lines come first; the last one is the total.
        Matcher sent = SENT.matcher(out);
        String sentTotal = null;
        String receivedTotal = null;
        while (sent.find()) {
            sentTotal = sent.group(1);
            receivedTotal = sent.group(2);
        }
        assertTrue(sentTotal != null && Long.parseLong(sentTotal) >= 120, "all messages sent:\n" + out);
        assertEquals(sentTotal, receivedTotal, "every message came back:\n" + out);
        return Long.parseLong(sentTotal);
    }

    /**
     * coturn's {@code turnserver} on 127.0.0.1 (UDP and TCP on one port, TLS on another, relay ports
     * {@code relayFrom} to +999, below the ephemeral range), realm as Gatehouse's, loopback peers allowed.
     */
    private static final class Coturn implements AutoCloseable {

        final int port;
        final int tlsPort;
        private final Process process;
        private final java.nio.file.Path dir;

        Coturn(int relayFrom, String... credentials) throws Exception {
            dir = java.nio.file.Files.createTempDirectory("coturn");
            io.netty.handler.ssl.util.SelfSignedCertificate cert = new io.netty.handler.ssl.util.SelfSignedCertificate("turn.example.com");
            port = freePort();
            int t = freePort();
            while (t == port) {
                t = freePort();
            }
            tlsPort = t;
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/turnserver", "-n", "--no-cli", "--listening-ip=127.0.0.1",
                    "--relay-ip=127.0.0.1", "--listening-port=" + port, "--tls-listening-port=" + tlsPort, "--min-port=" + relayFrom,
                    "--max-port=" + (relayFrom + 999), "--realm=" + TestTurn.REALM, "--allow-loopback-peers", "--no-dtls",
                    "--cert=" + cert.certificate(), "--pkey=" + cert.privateKey(), "--log-file=stdout", "--simple-log",
                    "--pidfile=" + dir.resolve("turnserver.pid")));
            cmd.addAll(List.of(credentials));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("turnserver.out").toFile()).start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", tlsPort)) {
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > end || !process.isAlive()) {
                        close();
                        throw new AssertionError("turnserver did not listen on 127.0.0.1:" + tlsPort + ":\n"
                                + java.nio.file.Files.readString(dir.resolve("turnserver.out")));
                    }
                    Thread.sleep(50);
                }
            }
        }

        /** A port free for both UDP and TCP on 127.0.0.1 now. */
        private static int freePort() throws IOException {
            while (true) {
                try (java.net.ServerSocket tcp = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", tcp.getLocalPort()))) {
                        return tcp.getLocalPort();
                    } catch (java.net.SocketException taken) {
                        // in use for UDP: another
                    }
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] bytes;
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s:\n"
                    + new String(p.getInputStream().readNBytes(p.getInputStream().available()), StandardCharsets.UTF_8));
        }
        bytes = p.getInputStream().readAllBytes();
        return String.join(" ", cmd) + "\nexit " + p.exitValue() + "\n" + new String(bytes, StandardCharsets.UTF_8);
    }
}
