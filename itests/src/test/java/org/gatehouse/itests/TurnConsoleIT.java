package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TURN in the running distribution, administered at its console: an operator adds a user with
 * {@code turn:user-add}, coturn's {@code turnutils_uclient} streams through the relay to
 * {@code turnutils_peer}, {@code turn:allocations} and {@code turn:stats} show it, and an edit of
 * {@code etc/org.gatehouse.turn.cfg} during the stream loses no packet.
 */
class TurnConsoleIT {

    private static final Pattern LOST = Pattern.compile("Total lost packets (\\d+) \\(([0-9.]+)%\\)");

    @TempDir
    Path dir;

    private Tmux terminal;
    private final List<Process> processes = new ArrayList<>();

    @Test
    void operatorAddsAUserAndWatchesARelayedCallSurviveAConfigurationEdit() throws Exception {
        assumeTrue(Tmux.has("tmux"), "tmux is not installed (Debian package tmux); skipping the terminal test");
        for (String tool : new String[] {"turnutils_uclient", "turnutils_peer"}) {
            if (!Tmux.has(tool)) {
                System.out.println("SKIPPED TurnConsoleIT: " + tool + " not installed (Debian package coturn)");
                assumeTrue(false, tool + " not installed");
            }
        }
        Path home = Distribution.copyTo(dir.resolve("turn"));
        int stunPort = freePort();
        int peerPort = freePort();
        Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), "listen = 127.0.0.1:" + stunPort + "\ntls-listen = 127.0.0.1:0\n");
        Path turnCfg = home.resolve("etc/org.gatehouse.turn.cfg");
        String shipped = Files.readString(turnCfg);
        String cfg = shipped.replace("min-port = 49152", "min-port = 61000").replace("max-port = 65535", "max-port = 61999")
                .replace("#allowed-peer-ip = 10.40.0.0/24", "allowed-peer-ip = 127.0.0.1");
        assertTrue(cfg.contains("allowed-peer-ip = 127.0.0.1") && cfg.contains("min-port = 61000"), "shipped file has the keys");
        Files.writeString(turnCfg, cfg);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        terminal = new Tmux("turn", 200, 80, "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        terminal.await(Pattern.compile("(?s).*started in \\d+ ms.*"));
        terminal.await(Pattern.compile("(?s).*g! .*"));

        // The password is asked for on the console's terminal, twice, and never shown.
        terminal.keys("turn:user-add alice", "Enter");
        terminal.await(Pattern.compile("(?s).*New password for alice:.*"));
        terminal.keys("s3cret", "Enter");
        terminal.await(Pattern.compile("(?s).*Again:.*"));
        terminal.keys("s3cret", "Enter");
        String added = terminal.await(Pattern.compile("(?s).*User alice added for realm gatehouse in .*turn-users.*"));
        assertFalse(added.contains("s3cret"), "the typed password is not on the screen: " + added);
        terminal.keys("turn:users", "Enter");
        terminal.await(Pattern.compile("(?s).*1 user in .*\\n\\s+alice@gatehouse.*"));
        assertTrue(Files.readString(home.resolve("etc/turn-users")).contains("alice:0x"), "the key is in the user file");

        processes.add(new ProcessBuilder("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peerPort))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        Thread.sleep(300);
        Process uclient = new ProcessBuilder("turnutils_uclient", "-n", "300", "-m", "2", "-l", "160", "-z", "20", "-c",
                "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "-L", "127.0.0.1", "-u", "alice", "-w", "s3cret",
                "-p", String.valueOf(stunPort), "127.0.0.1").redirectErrorStream(true).start();
        processes.add(uclient);

        awaitLog(home, "TURN: allocation ", " for alice from udp 127.0.0.1:");
        Thread.sleep(1000);
        terminal.keys("turn:allocations", "Enter");
        String screen = terminal.await(Pattern.compile("(?s).*\\d+ allocations?\\n.*"));
        assertTrue(Pattern.compile("\\d+\\s+alice\\s+udp\\s+127\\.0\\.0\\.1:\\d+\\s+127\\.0\\.0\\.1:" + stunPort + "\\s+127\\.0\\.0\\.1:61\\d\\d\\d").matcher(screen).find(), screen);

        // The operator puts the relay behind NAT and caps bandwidth while the call is up.
        Files.writeString(turnCfg, cfg.replace("#external-ip = 198.51.100.7", "external-ip = 203.0.113.9")
                .replace("max-bps = 0", "max-bps = 100000"));
        awaitLog(home, "TURN: realm gatehouse, relay addresses", "reached at 203.0.113.9");

        assertTrue(uclient.waitFor(60, TimeUnit.SECONDS), "turnutils_uclient finished");
        String out = new String(uclient.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher lost = LOST.matcher(out);
        assertTrue(lost.find(), out);
        assertEquals("0", lost.group(1), "no packet lost across the edit:\n" + out);

        terminal.keys("turn:stats", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*Rate limited.*"));
        assertTrue(Pattern.compile("Relayed\\s+[1-9][\\d,]*/").matcher(screen).find(), screen);

        terminal.keys("shutdown", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
        String log = String.join("\n", Files.readAllLines(home.resolve("data/log/gatehouse.log")));
        assertTrue(!log.contains(" ERROR "), log);
    }

    private static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitLog(Path home, String... parts) throws Exception {
        Path log = home.resolve("data/log/gatehouse.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String l : Files.readAllLines(log)) {
                    boolean all = true;
                    for (String p : parts) {
                        all &= l.contains(p);
                    }
                    if (all) {
                        return;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no log line with " + List.of(parts) + " in " + log);
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        if (terminal != null) {
            terminal.close();
        }
    }
}
