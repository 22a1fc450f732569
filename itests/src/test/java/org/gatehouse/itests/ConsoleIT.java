package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command on a real terminal: {@code bin/gatehouse} inside tmux, an operator typing
 * {@code gatehouse:status} and then {@code shutdown} (or Ctrl-D) at the Gogo prompt; a bad value in a
 * {@code .cfg} file shows under "Last errors" in the next {@code gatehouse:status}.
 */
class ConsoleIT {

    @TempDir
    Path dir;

    private Tmux terminal;
    private int stunPort;

    @Test
    void statusListsEveryBundleActiveAndShutdownExitsZero() throws Exception {
        Path home = start("status");
        // The prompt comes up while bundles are still starting; the launcher says when all are active.
        terminal.await(Pattern.compile("(?s).*started in \\d+ ms.*"));
        terminal.await(Pattern.compile("(?s).*g! .*"));
        terminal.keys("gatehouse:status", "Enter");
        String screen = terminal.await(Pattern.compile("(?s).*(All well\\.|Problems).*"));
        assertTrue(screen.contains("All well."), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.core").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.shell").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("Active\\s+\\S+\\s+org\\.gatehouse\\.stun").matcher(screen).find(), screen);
        assertTrue(screen.contains("stun             udp  127.0.0.1:" + stunPort), screen);
        assertTrue(screen.contains("stun             tcp  127.0.0.1:" + stunPort), screen);
        assertTrue(Pattern.compile("Certificate\\n  O=Gatehouse self-signed,CN=\\S+ \\(self-signed\\), \\d+ days left").matcher(screen).find(), screen);
        assertTrue(Pattern.compile("TURN\\n  realm gatehouse, 0 users in ").matcher(screen).find(), screen);
        assertTrue(screen.contains("\nLast errors: none\n"), screen);

        // The operator's question from the deployment guide: does this STUN server report our public address?
        terminal.keys("stun:probe 127.0.0.1:" + stunPort, "Enter");
        screen = terminal.await(Pattern.compile("(?s).*Reflexive\\s+127\\.0\\.0\\.1:\\d+.*no NAT in between.*"));
        assertTrue(screen.contains("Server          127.0.0.1:" + stunPort + " (Gatehouse)"), screen);

        // An operator's mistake in a file: the one line the log gets shows under "Last errors", and the server stays well.
        Path statusCfg = home.resolve("etc/org.gatehouse.status.cfg");
        Path tmp = statusCfg.resolveSibling("org.gatehouse.status.cfg.tmp");
        Files.writeString(tmp, "listen = 127.0.0.1:99999\n");
        Files.move(tmp, statusCfg, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        awaitLogLine(home, "ERROR", "etc/org.gatehouse.status.cfg: listen = '127.0.0.1:99999' is invalid");
        terminal.keys("gatehouse:status", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*Last errors: 1 error.*(All well\\.|Problems).*"));
        assertTrue(Pattern.compile("\nLast errors: 1 error, 0 warnings in the last hour\n"
                + "  \\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ERROR StatusComponent - etc/org\\.gatehouse\\.status\\.cfg: "
                + "listen = '127\\.0\\.0\\.1:99999' is invalid: .*\n").matcher(screen).find(), screen);
        assertTrue(screen.contains("All well."), "a past error is not a present problem: " + screen);

        terminal.keys("shutdown", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("Gatehouse stopped."), screen);
        assertTrue(screen.contains("EXIT=0"), screen);
        assertTrue(home.toFile().isDirectory());
    }

    @Test
    void ctrlDAtThePromptStopsTheServer() throws Exception {
        start("ctrld");
        terminal.await(Pattern.compile("(?s).*g! .*"));
        terminal.keys("C-d");
        String screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
    }

    /** Waits up to 30 s for a line of data/log/gatehouse.log with {@code level} and {@code text}. */
    private static void awaitLogLine(Path home, String level, String text) throws Exception {
        Path log = home.resolve("data/log/gatehouse.log");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).stream().anyMatch(l -> l.contains(" " + level + " ") && l.contains(text))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + level + " line with '" + text + "' in " + log + ":\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    private Path start(String name) throws Exception {
        assumeTrue(Tmux.has("tmux"), "tmux is not installed (Debian package tmux); skipping the terminal test");
        Path home = Distribution.copyTo(dir.resolve(name));
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            stunPort = probe.getLocalPort();
        }
        java.nio.file.Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), "listen = 127.0.0.1:" + stunPort + "\ntls-listen = 127.0.0.1:0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        terminal = new Tmux(name, 160, 60, "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        return home;
    }

    @AfterEach
    void killSession() throws Exception {
        if (terminal != null) {
            terminal.close();
        }
    }
}
