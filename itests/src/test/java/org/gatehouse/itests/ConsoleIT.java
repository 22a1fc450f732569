package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command on a real terminal: {@code bin/gatehouse} inside tmux, an operator typing
 * {@code gatehouse:status} and then {@code shutdown} (or Ctrl-D) at the Gogo prompt.
 */
class ConsoleIT {

    @TempDir
    Path dir;

    private String session;
    private int stunPort;

    @Test
    void statusListsEveryBundleActiveAndShutdownExitsZero() throws Exception {
        Path home = start("status");
        // The prompt comes up while bundles are still starting; the launcher says when all are active.
        awaitScreen(Pattern.compile("(?s).*started in \\d+ ms.*"));
        awaitScreen(Pattern.compile("(?s).*g! .*"));
        tmux("send-keys", "-t", session, "gatehouse:status", "Enter");
        String screen = awaitScreen(Pattern.compile("(?s).*(All well\\.|Problems).*"));
        assertTrue(screen.contains("All well."), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.core").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.shell").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.stun").matcher(screen).find(), screen);
        assertTrue(screen.contains("stun             udp  127.0.0.1:" + stunPort), screen);
        assertTrue(screen.contains("stun             tcp  127.0.0.1:" + stunPort), screen);
        assertTrue(Pattern.compile("Certificate\\n  O=Gatehouse self-signed,CN=\\S+ \\(self-signed\\), \\d+ days left").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("TURN\\n  realm gatehouse, 0 users in ").matcher(screen).find(), screen);

        // The operator's question from the deployment guide: does this STUN server report our public address?
        tmux("send-keys", "-t", session, "stun:probe 127.0.0.1:" + stunPort, "Enter");
        screen = awaitScreen(Pattern.compile("(?s).*Reflexive\\s+127\\.0\\.0\\.1:\\d+.*no NAT in between.*"));
        assertTrue(screen.contains("Server          127.0.0.1:" + stunPort + " (Gatehouse)"), screen);

        tmux("send-keys", "-t", session, "shutdown", "Enter");
        screen = awaitScreen(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("Gatehouse stopped."), screen);
        assertTrue(screen.contains("EXIT=0"), screen);
        assertTrue(home.toFile().isDirectory());
    }

    @Test
    void ctrlDAtThePromptStopsTheServer() throws Exception {
        start("ctrld");
        awaitScreen(Pattern.compile("(?s).*g! .*"));
        tmux("send-keys", "-t", session, "C-d");
        String screen = awaitScreen(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
    }

    private Path start(String name) throws Exception {
        assumeTrue(has("tmux"), "tmux is not installed (Debian package tmux); skipping the terminal test");
        Path home = Distribution.copyTo(dir.resolve(name));
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            stunPort = probe.getLocalPort();
        }
        java.nio.file.Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), "listen = 127.0.0.1:" + stunPort + "\ntls-listen = 127.0.0.1:0\n");
        session = "gatehouse-it-" + name + "-" + ProcessHandle.current().pid();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "60",
                "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        return home;
    }

    @AfterEach
    void killSession() throws Exception {
        if (session != null) {
            tmux("kill-session", "-t", session);
        }
    }

    private String awaitScreen(Pattern p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = tmux("capture-pane", "-p", "-t", session, "-S", "-200");
            if (p.matcher(screen).matches()) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("screen never matched " + p + ":\n" + screen);
    }

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }
}
