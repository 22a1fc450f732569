package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
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

        // The operator's question from the deployment guide: does this STUN server report our public address?
        terminal.keys("stun:probe 127.0.0.1:" + stunPort, "Enter");
        screen = terminal.await(Pattern.compile("(?s).*Reflexive\\s+127\\.0\\.0\\.1:\\d+.*no NAT in between.*"));
        assertTrue(screen.contains("Server          127.0.0.1:" + stunPort + " (Gatehouse)"), screen);

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
