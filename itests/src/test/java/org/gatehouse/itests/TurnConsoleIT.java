package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private String session;
    private final List<Process> processes = new ArrayList<>();

    @Test
    void operatorAddsAUserAndWatchesARelayedCallSurviveAConfigurationEdit() throws Exception {
        assumeTrue(ConsoleIT.has("tmux"), "tmux is not installed (Debian package tmux); skipping the terminal test");
        for (String tool : new String[] {"turnutils_uclient", "turnutils_peer"}) {
            if (!ConsoleIT.has(tool)) {
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

        session = "gatehouse-it-turn-" + ProcessHandle.current().pid();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "80",
                "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        awaitScreen(Pattern.compile("(?s).*started in \\d+ ms.*"));
        awaitScreen(Pattern.compile("(?s).*g! .*"));

        tmux("send-keys", "-t", session, "turn:user-add alice s3cret", "Enter");
        awaitScreen(Pattern.compile("(?s).*User alice added for realm gatehouse in .*turn-users.*"));
        tmux("send-keys", "-t", session, "turn:users", "Enter");
        awaitScreen(Pattern.compile("(?s).*1 user in .*\\n\\s+alice@gatehouse.*"));
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
        tmux("send-keys", "-t", session, "turn:allocations", "Enter");
        String screen = awaitScreen(Pattern.compile("(?s).*\\d+ allocations?\\n.*"));
        assertTrue(Pattern.compile("\\d+\\s+alice\\s+udp\\s+127\\.0\\.0\\.1:\\d+\\s+127\\.0\\.0\\.1:61\\d\\d\\d").matcher(screen).find(), screen);

        // The operator puts the relay behind NAT and caps bandwidth while the call is up.
        Files.writeString(turnCfg, cfg.replace("#external-ip = 198.51.100.7", "external-ip = 203.0.113.9")
                .replace("max-bps = 0", "max-bps = 100000"));
        awaitLog(home, "TURN: realm gatehouse, relay addresses", "reached at 203.0.113.9");

        assertTrue(uclient.waitFor(60, TimeUnit.SECONDS), "turnutils_uclient finished");
        String out = new String(uclient.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher lost = LOST.matcher(out);
        assertTrue(lost.find(), out);
        assertEquals("0", lost.group(1), "no packet lost across the edit:\n" + out);

        tmux("send-keys", "-t", session, "turn:stats", "Enter");
        screen = awaitScreen(Pattern.compile("(?s).*Rate limited.*"));
        assertTrue(Pattern.compile("Relayed\\s+[1-9][\\d,]*/").matcher(screen).find(), screen);

        tmux("send-keys", "-t", session, "shutdown", "Enter");
        screen = awaitScreen(Pattern.compile("(?s).*EXIT=\\d+.*"));
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
        if (session != null) {
            tmux("kill-session", "-t", session);
        }
    }

    private String awaitScreen(Pattern p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = tmux("capture-pane", "-p", "-t", session, "-S", "-300");
            if (p.matcher(screen).matches()) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("screen never matched " + p + ":\n" + screen);
    }

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
