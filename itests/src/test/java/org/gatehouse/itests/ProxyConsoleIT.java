package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reverse proxy in the running distribution, administered at its console: the shipped
 * conferencing pool answers 503 until the operator adds a node with {@code proxy:node-add}; then
 * {@code curl} over HTTPS reaches the node, a second node shares the load, a drained node gets no
 * new requests, and each command is written to the pool's file.
 */
class ProxyConsoleIT {

    @TempDir
    Path dir;

    private Tmux terminal;
    private final List<HttpServer> nodes = new ArrayList<>();

    private HttpServer node(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", x -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "text/plain");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        s.start();
        nodes.add(s);
        return s;
    }

    private static String address(HttpServer s) {
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    /** The HTTPS listener binds once its certificate is ready, which can come after the "started" line. */
    private static void awaitHttps(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (curl(port, "/").endsWith(" 000")) {
            assertTrue(System.nanoTime() < deadline, "HTTPS on 127.0.0.1:" + port + " within 30 s");
            Thread.sleep(200);
        }
    }

    private static void awaitAnswer(int port, String path, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last;
        while (!(last = curl(port, path)).equals(expected)) {
            assertTrue(System.nanoTime() < deadline, "within 20 s " + path + " answers " + expected + ", not " + last);
            Thread.sleep(100);
        }
    }

    private static String curl(int port, String path) throws Exception {
        Process p = new ProcessBuilder("curl", "-sk", "--max-time", "10", "-w", " %{http_code}", "https://127.0.0.1:" + port + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void operatorAddsDrainsAndRemovesNodesWhileTheProxyServes() throws Exception {
        assumeTrue(Tmux.has("tmux"), "tmux is not installed (Debian package tmux); skipping the terminal test");
        assumeTrue(Tmux.has("curl"), "curl is not installed (Debian package curl)");
        HttpServer a = node("node-a");
        HttpServer b = node("node-b");
        Path home = Distribution.copyTo(dir.resolve("proxy"));
        int https;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            https = s.getLocalPort();
        }
        Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), Distribution.LOOPBACK_STUN);
        Path tls = home.resolve("etc/org.gatehouse.tls.cfg");
        Files.writeString(tls, Files.readString(tls).replace("https-listen = 127.0.0.1:0", "https-listen = 127.0.0.1:" + https));
        Path pool = home.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
        String shipped = Files.readString(pool);
        assertTrue(shipped.contains("\ntls = true\n"));
        Files.writeString(pool, shipped.replace("\ntls = true\n", "\ntls = false\n"));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        terminal = new Tmux("proxy", 200, 60, "JAVA=" + java + " " + home.resolve("bin/gatehouse") + "; echo EXIT=$?; sleep 60");
        terminal.await(Pattern.compile("(?s).*started in \\d+ ms.*"));
        terminal.await(Pattern.compile("(?s).*g! .*"));
        awaitHttps(https);

        String empty = curl(https, "/api/client/v2/conferences/meet/request_token");
        assertTrue(empty.endsWith(" 503") && empty.contains("No conferencing node is configured"), empty);

        terminal.keys("proxy:node-add conferencing " + address(a), "Enter");
        terminal.await(Pattern.compile("(?s).*Node " + Pattern.quote(address(a)) + " added to pool conferencing\\..*"));
        // ConfigAdmin hands the change to the pool a moment after the command has written it.
        awaitAnswer(https, "/api/client/v2/status", "node-a 200");
        for (int i = 0; i < 100 && !Files.readString(pool).contains("nodes = " + address(a)); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(pool).contains("nodes = " + address(a)), "written to the pool's file");

        terminal.keys("proxy:node-add conferencing " + address(b) + " weight=2", "Enter");
        terminal.await(Pattern.compile("(?s).*Node " + Pattern.quote(address(b)) + " weight=2 added.*"));
        awaitAnswer(https, "/static/app.js", "node-b 200");
        int toB = 0;
        for (int i = 0; i < 30; i++) {
            if (curl(https, "/static/app.js").equals("node-b 200")) {
                toB++;
            }
        }
        assertTrue(toB >= 19 && toB <= 21, "weight 2 of 3: " + toB + " of 30");

        terminal.keys("proxy:node-drain conferencing " + address(a), "Enter");
        terminal.await(Pattern.compile("(?s).*is draining.*"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int bInARow = 0;
        while (bInARow < 4) {
            assertTrue(System.nanoTime() < deadline, "the drained node gets no new requests within 20 s");
            bInARow = curl(https, "/").equals("node-b 200") ? bInARow + 1 : 0;
        }
        for (int i = 0; i < 4; i++) {
            assertEquals("node-b 200", curl(https, "/"));
        }
        terminal.keys("clear", "Enter");
        terminal.keys("proxy:nodes", "Enter");
        String screen = terminal.await(Pattern.compile("(?s).*Pool conferencing \\(plain HTTP to the nodes\\).*" + Pattern.quote(address(b)) + ".*"));
        assertTrue(Pattern.compile(Pattern.quote(address(a)) + "\\s+draining").matcher(screen).find(), screen);

        terminal.keys("proxy:node-remove conferencing " + address(a), "Enter");
        terminal.await(Pattern.compile("(?s).*removed from pool conferencing.*"));
        terminal.keys("proxy:node-add conferencing 10.40.0.10", "Enter");
        terminal.await(Pattern.compile("(?s).*proxy:node-add: 10\\.40\\.0\\.10 is not host:port.*"));
        terminal.keys("proxy:node-add conferncing 10.40.0.10:443", "Enter");
        terminal.await(Pattern.compile("(?s).*proxy:node-add: there is no pool conferncing.*"));
        String file = Files.readString(pool);
        for (int i = 0; i < 100 && file.contains(address(a)); i++) {
            Thread.sleep(100); // FileInstall writes the change back a moment later
            file = Files.readString(pool);
        }
        assertFalse(file.contains(address(a)), file);
        assertTrue(file.contains(address(b) + " weight=2"), file);

        terminal.keys("gatehouse:status", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*(All well\\.|Problems).*"));
        assertTrue(screen.contains("pool conferencing (/api/ /webapp/ /static/ /): 1 of 1 node up"), screen);

        terminal.keys("shutdown", "Enter");
        screen = terminal.await(Pattern.compile("(?s).*EXIT=\\d+.*"));
        assertTrue(screen.contains("EXIT=0"), screen);
        String log = String.join("\n", Files.readAllLines(home.resolve("data/log/gatehouse.log")));
        assertFalse(log.contains(" ERROR "), log);
    }

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(s -> s.stop(0));
        if (terminal != null) {
            terminal.close();
        }
    }
}
