package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote administration of a headless server: {@code bin/client} (the system's OpenSSH client)
 * against {@code bin/gatehouse --no-console}, one command, piped lines and a terminal session; the
 * management networks enforced; the host key kept across a restart.
 */
class ClientIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("Gatehouse \\S+ started in .*");

    @TempDir
    Path dir;

    private Tmux terminal;

    @AfterEach
    void closeTerminal() throws Exception {
        if (terminal != null) {
            terminal.close();
        }
    }

    @Test
    void binClientRunsCommandsOnAHeadlessServerFromTheManagementNetworksOnly() throws Exception {
        assumeTrue(Tmux.has("ssh"), "the OpenSSH client is not installed (Debian package openssh-client); skipping bin/client");
        // A space in the installation path: bin/client hands ssh the known_hosts file quoted.
        Path home = Distribution.copyTo(dir.resolve("gate house"));
        int port = freePort();
        Path sshCfg = home.resolve("etc/org.gatehouse.ssh.cfg");
        Files.writeString(sshCfg, Distribution.ssh(Files.readString(sshCfg), "127.0.0.1:" + port));
        byte[] hostKey;
        try (Server server = Server.start(home)) {
            String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            // STUN/TURN on UDP, TCP and TLS, HTTPS, the HTTP redirect, the status page and SSH.
            assertTrue(started.contains("7 listening sockets"), started);

            Client.Result status = Client.run(home, null, "gatehouse:status");
            assertEquals(0, status.exit(), status.output());
            assertTrue(status.output().startsWith("Gatehouse "), status.output());
            assertTrue(Pattern.compile("ssh\\s+tcp\\s+127\\.0\\.0\\.1:" + port).matcher(status.output()).find(), status.output());
            assertTrue(status.output().contains("All well."), status.output());

            Client.Result piped = Client.run(home, "gatehouse:status\nssh:users\n");
            assertEquals(0, piped.exit(), piped.output());
            assertTrue(piped.output().contains("All well.") && piped.output().contains("0 password users in"), piped.output());

            // The wizard on piped answers: each question after the answer before, the end of input stops it.
            Client.Result wizard = Client.run(home, "\n\n", "setup");
            assertEquals(0, wizard.exit(), wizard.output());
            assertTrue(wizard.output().startsWith("Gatehouse setup."), wizard.output());
            assertTrue(wizard.output().contains("Domain (empty: none)"), wizard.output());
            assertTrue(wizard.output().strip().endsWith("Stopped; nothing changed."), wizard.output());

            // An answers file that does not validate changes nothing and fails, so a script notices.
            Files.writeString(home.resolve("bad-answers.cfg"), "hostname = edge\nturn = maybe\n");
            String tls = Files.readString(home.resolve("etc/org.gatehouse.tls.cfg"));
            Client.Result bad = Client.run(home, null, "setup bad-answers.cfg");
            assertEquals(1, bad.exit(), bad.output());
            assertTrue(bad.output().contains("turn") && bad.output().contains("nothing changed"), bad.output());
            assertEquals(tls, Files.readString(home.resolve("etc/org.gatehouse.tls.cfg")), "the valid hostname answer is not written either");

            Client.Result unknown = Client.run(home, null, "no:such-command");
            assertEquals(1, unknown.exit(), unknown.output());
            assertTrue(unknown.output().contains("Command not found: no:such-command"), unknown.output());

            // A command that refuses its input fails too, says why, and changes nothing.
            Client.Result refusedNode = Client.run(home, null, "proxy:node-add conferencing 10.40.0.12");
            assertEquals(1, refusedNode.exit(), refusedNode.output());
            assertTrue(refusedNode.output().contains("proxy:node-add: 10.40.0.12 is not host:port"), refusedNode.output());
            assertFalse(refusedNode.output().contains("Exception"), refusedNode.output());
            Client.Result refusedBan = Client.run(home, null, "ban:remove edge.example.com");
            assertEquals(1, refusedBan.exit(), refusedBan.output());

            Client.Result added = Client.run(home, null, "ssh:user-add operator 'not in the file'");
            assertEquals(0, added.exit(), added.output());
            String users = Files.readString(home.resolve("etc/ssh/users"));
            assertTrue(users.contains("operator:pbkdf2-sha256:"), users);
            assertFalse(users.contains("not in the file"), users);

            interactive(home);

            // Taken off the management networks, the same local client is cut off before it logs in.
            Path core = home.resolve("etc/org.gatehouse.core.cfg");
            String coreCfg = Files.readString(core);
            ConfigFile.replace(core, coreCfg.replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.0.0.0/8"));
            server.awaitLog(l -> l.contains("management networks now 10.0.0.0/8"), 1, WAIT);
            Client.Result refused = Client.run(home, null, "gatehouse:status");
            assertNotEquals(0, refused.exit(), refused.output());
            assertFalse(refused.output().contains("All well."), refused.output());
            List<String> lines = server.awaitLog(l -> l.contains("SSH: refused connection from 127.0.0.1:"), 1, WAIT);
            assertEquals(1, lines.size(), "one line per refused connection: " + lines);
            assertTrue(lines.get(0).contains("not in management-networks 10.0.0.0/8"), lines.get(0));
            Thread.sleep(2000);
            ConfigFile.replace(core, coreCfg);
            server.awaitLog(l -> l.contains("management networks now 127.0.0.0/8"), 1, WAIT);

            hostKey = Files.readAllBytes(home.resolve("data/ssh/host-key"));
            assertEquals(0, server.terminate(), server.output());
        }

        // A restart keeps the host key: bin/client's pinned known_hosts entry still matches.
        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            assertArrayEquals(hostKey, Files.readAllBytes(home.resolve("data/ssh/host-key")));
            Client.Result again = Client.run(home, null, "gatehouse:status");
            assertEquals(0, again.exit(), again.output());
            assertTrue(again.output().contains("All well."), again.output());
            assertEquals(0, server.terminate(), server.output());
        }
    }

    /**
     * bin/client on a real terminal: the g! prompt, a command, Backspace; the setup wizard's
     * questions, its answers echoed, Ctrl-D stopping it; a password read without echo; exit.
     */
    private void interactive(Path home) throws Exception {
        if (!Tmux.has("tmux")) {
            System.out.println("[ClientIT] tmux is not installed (Debian package tmux); skipping the terminal session");
            return;
        }
        terminal = new Tmux("client", 160, 60, "'" + home.resolve("bin/client") + "'; echo EXIT=$?; sleep 60");
        // The screen capture drops trailing blanks: the prompt shows as "g!".
        terminal.await(Pattern.compile("(?s).*g!.*"));
        terminal.keys("gatehouse:statux", "BSpace", "s", "Enter");
        terminal.await(Pattern.compile("(?s).*All well\\..*g!.*"));

        // A command reading the keyboard: its prompt shows before the answer, what is typed is echoed.
        terminal.keys("setup", "Enter");
        terminal.await(Pattern.compile("(?s).*Gatehouse setup\\..*\nHost name of this server[^\n]*\\]:\\s*"));
        terminal.keys("gatehosx", "BSpace", "t");
        terminal.await(Pattern.compile("(?s).*\nHost name of this server[^\n]*\\]: gatehost\\s*"));
        terminal.keys("Enter");
        terminal.await(Pattern.compile("(?s).*\\]: gatehost\\s*\nDomain[^\n]*:\\s*"));
        terminal.keys("C-d");
        terminal.await(Pattern.compile("(?s).*\nDomain[^\n]*:\\s*\n+Stopped; nothing changed\\.\\s*\ng!\\s*"));

        // A password: asked, and what is typed shows as stars. LDAP is not configured: the check refuses.
        terminal.keys("ldap:test someone", "Enter");
        terminal.await(Pattern.compile("(?s).*\nPassword for someone:\\s*"));
        terminal.keys("not-on-screen");
        terminal.await(Pattern.compile("(?s).*\nPassword for someone: \\*{13}\\s*"));
        terminal.keys("Enter");
        // The refusal comes on the session's error stream and the next prompt on its output: over SSH
        // the two can reach the terminal in either order.
        String checked = terminal.await(Pattern.compile("(?s).*\nPassword for someone: \\*{13}\n(?=.*Refused: [^\n]*)(?=.*\ng!).*"));
        assertFalse(checked.contains("not-on-screen"), checked);

        terminal.keys("exit", "Enter");
        String screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
