package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * The setup wizard on a fresh server, at its console: an answers file configures names, two
 * conferencing nodes and a TURN user; curl reaches the nodes and coturn's uclient relays with the
 * user, with no restart. Running it again interactively (keys typed into the terminal) removes a
 * node and renames the server: the change applies live. Then reset-to-defaults puts the shipped
 * configuration back.
 */
class SetupIT {

    private static final Pattern LOST = Pattern.compile("Total lost packets (\\d+) \\(([0-9.]+)%\\)");

    @TempDir
    Path dir;

    private Tmux terminal;
    private final List<HttpServer> nodes = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private HttpServer node(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", x -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        s.start();
        nodes.add(s);
        return s;
    }

    /** The HTTPS listener binds once its certificate is ready, which can come after the "started" line. */
    private static void awaitHttps(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (curl(port, "/").endsWith(" 000")) {
            assertTrue(System.nanoTime() < deadline, "HTTPS on 127.0.0.1:" + port + " within 30 s");
            Thread.sleep(200);
        }
    }

    private static String curl(int port, String path) throws Exception {
        Process p = new ProcessBuilder("curl", "-sk", "--max-time", "10", "-w", " %{http_code}", "https://127.0.0.1:" + port + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.SECONDS));
        return out;
    }

    private static String subject(int port) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "openssl s_client -connect 127.0.0.1:" + port
                + " </dev/null 2>/dev/null | openssl x509 -noout -subject").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.SECONDS));
        return out.strip();
    }

    private static int freeTcp() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits for the wizard's question that starts with {@code text}, then types the answer. */
    private void answer(String text, String typed) throws Exception {
        terminal.await(Pattern.compile("(?s).*" + Pattern.quote(text) + "[^\\n]*: *\\s*"));
        if (!typed.isEmpty()) {
            terminal.keys("-l", typed);
        }
        terminal.keys("Enter");
    }

    @Test
    void wizardConfiguresAFreshServerAndAgainLiveThenResetRestoresTheDefaults() throws Exception {
        for (String tool : new String[] {"tmux", "curl", "openssl", "turnutils_uclient", "turnutils_peer"}) {
            if (!Tmux.has(tool)) {
                System.out.println("SKIPPED SetupIT: " + tool + " not installed (Debian packages tmux curl openssl coturn)");
                assumeTrue(false, tool + " not installed");
            }
        }
        HttpServer a = node("node-a");
        HttpServer b = node("node-b");
        String nodeA = "127.0.0.1:" + a.getAddress().getPort();
        String nodeB = "127.0.0.1:" + b.getAddress().getPort();
        Path home = Distribution.copyTo(dir.resolve("setup"));
        int https = freeTcp();
        int stun = freeUdp();
        int peer = freeUdp();
        Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), "listen = 127.0.0.1:" + stun + "\ntls-listen = 127.0.0.1:0\n");
        Path tls = home.resolve("etc/org.gatehouse.tls.cfg");
        Files.writeString(tls, Files.readString(tls).replace("https-listen = 127.0.0.1:0", "https-listen = 127.0.0.1:" + https));
        // The nodes in this test speak plain HTTP, and the relay may reach the loopback peer.
        Path pool = home.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
        Files.writeString(pool, Files.readString(pool).replace("\ntls = true\n", "\ntls = false\n"));
        Path turn = home.resolve("etc/org.gatehouse.turn.cfg");
        Files.writeString(turn, Files.readString(turn).replace("min-port = 49152", "min-port = 61000").replace("max-port = 65535", "max-port = 61999")
                .replace("#allowed-peer-ip = 10.40.0.0/24", "allowed-peer-ip = 127.0.0.1"));
        // This installation's shipped defaults listen on loopback too, so that reset-to-defaults stays on it.
        Path defaults = home.resolve("system/defaults/etc");
        Files.copy(home.resolve("etc/org.gatehouse.stun.cfg"), defaults.resolve("org.gatehouse.stun.cfg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(home.resolve("etc/org.gatehouse.status.cfg"), defaults.resolve("org.gatehouse.status.cfg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path defaultTls = defaults.resolve("org.gatehouse.tls.cfg");
        Files.writeString(defaultTls, Files.readString(defaultTls).replace("https-listen = 0.0.0.0:8443", "https-listen = 127.0.0.1:" + https)
                .replace("http-listen = 0.0.0.0:8080", "http-listen ="));
        Path answers = Files.writeString(dir.resolve("answers.cfg"), String.join("\n",
                "# the appliance wizard's questions, answered for an unattended install",
                "hostname = edge", "domain = example.test", "nodes = " + nodeA + ", " + nodeB, "web-proxy = yes",
                "turn = enable", "turn-credentials = user", "turn-user = alice", "turn-password = s3cret-pass",
                "restricted = no", "turn-on-443 = no", "external-ip =", "relay-ip =",
                "management-networks = 127.0.0.0/8, ::1", "new-certificate = yes", ""));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        terminal = new Tmux("setup", 200, 80, "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        terminal.await(Pattern.compile("(?s).*started in \\d+ ms.*"));
        terminal.await(Pattern.compile("(?s).*g! .*"));
        awaitHttps(https);
        assertTrue(curl(https, "/api/client/v2/status").endsWith(" 503"), "a fresh server has no node");

        terminal.keys("-l", "setup " + answers);
        terminal.keys("Enter");
        String screen = terminal.await(Pattern.compile("(?s).*(Applied\\.|setup: ).*"));
        assertTrue(screen.contains("Applied."), screen);
        // ConfigAdmin hands the new configuration to the pool a moment later.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (curl(https, "/api/client/v2/status").endsWith(" 503")) {
            assertTrue(System.nanoTime() < deadline, "the nodes are in force within 20 s");
            Thread.sleep(100);
        }
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(curl(https, "/api/client/v2/status"));
        }
        assertEquals(2, seen.stream().filter("node-a 200"::equals).count(), seen.toString());
        assertEquals(2, seen.stream().filter("node-b 200"::equals).count(), seen.toString());
        awaitSubject(https, "edge.example.test");

        processes.add(new ProcessBuilder("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peer))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        Thread.sleep(300);
        Process uclient = new ProcessBuilder("turnutils_uclient", "-n", "100", "-m", "1", "-l", "160", "-z", "20", "-c",
                "-e", "127.0.0.1", "-r", String.valueOf(peer), "-L", "127.0.0.1", "-u", "alice", "-w", "s3cret-pass",
                "-p", String.valueOf(stun), "127.0.0.1").redirectErrorStream(true).start();
        processes.add(uclient);
        assertTrue(uclient.waitFor(60, TimeUnit.SECONDS));
        String out = new String(uclient.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher lost = LOST.matcher(out);
        assertTrue(lost.find(), out);
        assertEquals("0", lost.group(1), "the wizard's TURN user relays:\n" + out);

        // Again, interactively: a new name, node b out, everything else kept.
        terminal.keys("clear", "Enter");
        terminal.keys("setup", "Enter");
        answer("Host name of this server", "edge2");
        answer("Domain", "");
        terminal.await(Pattern.compile("(?s).*Conferencing nodes, host:port, one per line.*"));
        answer("node 1", nodeA);
        answer("node 2", "");
        answer("Proxy the web app", "");
        answer("TURN relay", "");
        answer("TURN credentials", "");
        answer("TURN username", "");
        answer("TURN password", "");
        answer("Restricted TURN", "");
        answer("TURN also on port 443", "");
        answer("External (NAT) address", "");
        // An address of no interface here is said at once and asked again (Enter: not kept).
        answer("Relay address", "192.0.2.77");
        screen = terminal.await(Pattern.compile("(?s).*Keep 192\\.0\\.2\\.77 anyway \\(yes/no\\) \\[no\\]: *\\s*"));
        assertTrue(screen.contains("192.0.2.77 is not an address of this host (no network interface has it now)"), screen);
        terminal.keys("Enter");
        answer("Relay address", "");
        answer("Management networks", "");
        answer("Make a new self-signed certificate", "yes");
        screen = terminal.await(Pattern.compile("(?s).*Apply now[^\\n]*: *\\s*"));
        assertTrue(screen.contains("hostname = edge2"), screen);
        assertTrue(screen.contains("nodes = " + nodeA + "\n"), screen);
        assertFalse(screen.contains("turn-user ="), "unchanged answers are not applied again:\n" + screen);
        assertFalse(screen.contains("relay-ip ="), "the relay address not kept is not applied:\n" + screen);
        terminal.keys("yes", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*Applied\\..*"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int aInARow = 0;
        while (aInARow < 4) {
            assertTrue(System.nanoTime() < deadline, "node b leaves the pool within 20 s");
            aInARow = curl(https, "/webapp/x").equals("node-a 200") ? aInARow + 1 : 0;
        }
        for (int i = 0; i < 4; i++) {
            assertEquals("node-a 200", curl(https, "/webapp/x"), "node b is out of the pool at once");
        }
        awaitSubject(https, "edge2.example.test");
        assertTrue(Files.readString(pool).contains("nodes = " + nodeA), Files.readString(pool));

        // reset-to-defaults: the shipped files back, the node list empty again.
        terminal.keys("clear", "Enter");
        terminal.keys("reset-to-defaults", "Enter");
        answer("Reset to the default settings", "yes");
        answer("Keep the logs", "");
        screen = terminal.await(Pattern.compile("(?s).*Default settings restored.*"));
        assertTrue(screen.contains("configuration file(s) restored"), screen);
        // The file as shipped, nodes empty: read as FileInstall reads it, and for up to 10 s, since
        // FileInstall may write the configuration it just took back into the file in its own layout
        // (once seen failing an exact-text check). A reset undone (nodes back) still fails here.
        String text = Files.readString(pool);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!nodesEmpty(text) && System.nanoTime() < until) {
            Thread.sleep(200);
            text = Files.readString(pool);
        }
        assertTrue(nodesEmpty(text), "the shipped pool file is back, no node in it:\n" + text);
        assertTrue(Files.list(home.resolve("data/backup")).findAny().isPresent(), "what was replaced is kept");

        terminal.keys("shutdown", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
    }

    /** Whether the .cfg text, read as a properties file, has no node. */
    private static boolean nodesEmpty(String cfg) throws IOException {
        java.util.Properties p = new java.util.Properties();
        p.load(new java.io.StringReader(cfg));
        String nodes = p.getProperty("nodes", "").strip();
        return nodes.isEmpty() || nodes.equals("\"\"");
    }

    private static void awaitSubject(int port, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String s = "";
        while (System.nanoTime() < deadline) {
            s = subject(port);
            if (s.contains("CN = " + name) || s.contains("CN=" + name)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the certificate is not for " + name + ": " + s);
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        nodes.forEach(s -> s.stop(0));
        if (terminal != null) {
            terminal.close();
        }
    }
}
