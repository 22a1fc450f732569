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
 * with 0 lost packets. Skipped, saying why, where Debian's coturn is not installed.
 */
class UclientInteropTest {

    private static final Pattern LOST = Pattern.compile("Total lost packets (\\d+) \\(([0-9.]+)%\\)");
    private static final Pattern SENT = Pattern.compile("tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)");

    private static TestTurn turn;
    private static Process peer;
    private static int peerPort;

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
        Thread.sleep(300);
    }

    @AfterAll
    static void stop() throws Exception {
        if (peer != null) {
            peer.destroy();
            peer.waitFor(5, TimeUnit.SECONDS);
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
        InetSocketAddress server = cmd.contains("-S") ? turn.tls() : cmd.contains("-t") ? turn.tcp() : turn.udp();
        cmd.addAll(List.of("-p", String.valueOf(server.getPort()), "127.0.0.1"));
        long createdBefore = turn.turn.statistics().allocationsCreated();
        String out = run(cmd);
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
        long created = turn.turn.statistics().allocationsCreated() - createdBefore;
        assertTrue(created >= 3, "at least one allocation per client: " + created);
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
