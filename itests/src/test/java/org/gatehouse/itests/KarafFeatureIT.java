package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The features repository installed into stock Apache Karaf 4.4 minimal, unpacked from Maven Central
 * by the build, in the shapes the guide documents, one after the other in one Karaf: STUN alone
 * ({@code gatehouse-stun}, no TLS bundle), TURN only ({@code gatehouse-turn gatehouse-shell}), the
 * plain {@code feature:install gatehouse}, then {@code gatehouse-auth-ldap} added. Each shape's
 * bundles go active, STUN answers a Binding request, and {@code gatehouse:status} in Karaf's shell
 * finds every component the shape needs satisfied. Karaf reads the features file and the Gatehouse
 * bundles from this build's {@code target/karaf-repository}, searched before its local Maven
 * repository.
 */
class KarafFeatureIT {

    private Path karaf;

    @Test
    void gatehouseFeaturesInstallInTheDocumentedShapes() throws Exception {
        karaf = Path.of(System.getProperty("karaf.home"));
        String version = System.getProperty("gatehouse.version");
        int sshPort = freePort();
        int stunPort = freeUdpPort();
        prepare(sshPort, stunPort);
        run(karaf.resolve("bin/start").toString());
        awaitClient(sshPort);

        // STUN alone: no TLS bundle, so no certificate and no TLS listener; UDP and TCP serve.
        client(sshPort,
                "feature:repo-add mvn:org.gatehouse/gatehouse-features/" + version + "/xml/features",
                "feature:install gatehouse-stun");
        String installed = awaitActive(sshPort, List.of("org.gatehouse.core", "io.netty.transport"), List.of("org.gatehouse.stun"));
        assertFalse(installed.contains("org.gatehouse.tls"), installed);
        assertStunAnswers(stunPort);

        // TURN only, with the shell. Installing Bouncy Castle (gatehouse-tls) lets Karaf's SSH bundles
        // wire their optional BC imports, and Karaf refreshes them: the session that ran
        // feature:install may be cut. Each later command is a new session.
        client(sshPort, "feature:install gatehouse-turn gatehouse-shell");
        installed = awaitActive(sshPort, List.of("org.gatehouse.core", "org.gatehouse.stun", "org.gatehouse.tls", "org.gatehouse.turn"),
                List.of("org.gatehouse.shell"));
        assertFalse(installed.contains("org.gatehouse.balancer"), installed);
        String status = client(sshPort, "gatehouse:status");
        assertTrue(status.contains("All well."), status);
        assertTrue(status.contains("\nTURN\n") && !status.contains("\nProxy\n"), status);
        String proxy = client(sshPort, "proxy:nodes");
        assertTrue(proxy.contains("Command not found"), proxy);
        assertStunAnswers(stunPort);

        // Every feature of the aggregate.
        client(sshPort, "feature:install gatehouse");
        List<String> wanted = List.of("org.gatehouse.core", "org.gatehouse.stun", "org.gatehouse.tls", "org.gatehouse.turn",
                "org.gatehouse.content", "org.gatehouse.balancer", "org.gatehouse.ban", "io.netty.transport");
        installed = awaitActive(sshPort, wanted, List.of("org.gatehouse.shell", "org.gatehouse.status"));
        assertFalse(installed.contains("org.gatehouse.auth.ldap"), installed);
        assertTrue(Pattern.compile("\\|\\s*Resolved\\s*\\|.*\\|\\s*io\\.netty\\.transport-native-epoll\\S*\\s*$", Pattern.MULTILINE)
                .matcher(installed).find(), "epoll fragment not attached:\n" + installed);
        assertTrue(Pattern.compile("\\|\\s*Resolved\\s*\\|.*\\|\\s*io\\.netty\\.transport-native-io_uring\\S*\\s*$", Pattern.MULTILINE)
                .matcher(installed).find(), "io_uring fragment not attached:\n" + installed);
        status = client(sshPort, "gatehouse:status");
        assertTrue(status.contains("All well."), status);
        // Karaf's pax-logging has the OSGi log reader the last errors come from.
        assertTrue(status.contains("\nLast errors: ") && !status.contains("Last errors: unknown"), status);
        assertTrue(Pattern.compile("(io_uring|epoll) event loop").matcher(status).find(), status);
        assertTrue(Pattern.compile("stun\\s+udp\\s+127\\.0\\.0\\.1:\\d+").matcher(status).find(), status);
        assertTrue(Pattern.compile("status\\s+tcp\\s+127\\.0\\.0\\.1:\\d+").matcher(status).find(), status);
        String stun = client(sshPort, "stun:status");
        assertTrue(stun.contains("STUN listeners"), stun);
        assertStunAnswers(stunPort);

        // The optional directory check beside it.
        client(sshPort, "feature:install gatehouse-auth-ldap");
        awaitActive(sshPort, List.of("org.gatehouse.auth.ldap", "com.unboundid.ldap.sdk", "org.gatehouse.shell", "org.gatehouse.status"), List.of());
        status = client(sshPort, "gatehouse:status");
        assertTrue(status.contains("All well."), status);
    }

    /**
     * The bundle list once every one of {@code active} is Active and every one of {@code waiting} Active
     * or Waiting, or a failed assertion naming those that are not. Karaf shows an active bundle as
     * Waiting while one of its components is unsatisfied: the shell's commands and the status page's
     * parts of a feature not installed, STUN's TLS listener without gatehouse-tls. gatehouse:status tells those apart from a
     * fault; every other bundle here must have all its components satisfied.
     */
    private String awaitActive(int sshPort, List<String> active, List<String> waiting) throws Exception {
        String installed = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            installed = client(sshPort, "bundle:list -s -t 0");
            String list = installed;
            if (active.stream().allMatch(bsn -> state(list, bsn, "Active")) && waiting.stream().allMatch(bsn -> state(list, bsn, "Active|Waiting"))) {
                return installed;
            }
            Thread.sleep(1000);
        }
        for (String bsn : active) {
            assertTrue(state(installed, bsn, "Active"), bsn + " not active in Karaf:\n" + installed);
        }
        for (String bsn : waiting) {
            assertTrue(state(installed, bsn, "Active|Waiting"), bsn + " not active in Karaf:\n" + installed);
        }
        return installed;
    }

    /** A STUN Binding request to the UDP listener gets its success response (retried: the listener may still be opening). */
    private static void assertStunAnswers(int port) throws IOException {
        byte[] request = new byte[20];
        ByteBuffer.wrap(request).putShort((short) 0x0001).putShort((short) 0).putInt(0x2112A442);
        byte[] transaction = new byte[12];
        new SecureRandom().nextBytes(transaction);
        System.arraycopy(transaction, 0, request, 8, transaction.length);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(1000);
            byte[] buffer = new byte[1500];
            for (int attempt = 0; attempt < 20; attempt++) {
                socket.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(), port));
                try {
                    DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                    socket.receive(answer);
                    ByteBuffer b = ByteBuffer.wrap(answer.getData(), 0, answer.getLength());
                    if (answer.getLength() >= 20 && b.getShort(0) == 0x0101
                            && Arrays.equals(Arrays.copyOfRange(buffer, 8, 20), transaction)) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // not answering yet
                }
            }
        }
        throw new AssertionError("no STUN Binding success response from 127.0.0.1:" + port);
    }

    private static boolean state(String bundleList, String bsn, String states) {
        return Pattern.compile("\\|\\s*(" + states + ")\\s*\\|.*\\|\\s*" + Pattern.quote(bsn) + "\\s*$", Pattern.MULTILINE)
                .matcher(bundleList).find();
    }

    @AfterEach
    void stopKaraf() throws Exception {
        if (karaf != null) {
            run(karaf.resolve("bin/stop").toString());
            String home = karaf.toString();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && karafProcesses(home).findAny().isPresent()) {
                Thread.sleep(200);
            }
            karafProcesses(home).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static java.util.stream.Stream<ProcessHandle> karafProcesses(String home) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("-Dkaraf.home=" + home) && c.contains("org.apache.karaf.main.Main")).orElse(false));
    }

    /** Loopback-only SSH, the karaf user enabled, and our repository folder searched before remote ones. */
    private void prepare(int sshPort, int stunPort) throws IOException {
        Path users = karaf.resolve("etc/users.properties");
        Files.writeString(users, Files.readString(users)
                .replace("#karaf = karaf,_g_:admingroup", "karaf = karaf,_g_:admingroup")
                .replace("#_g_\\:admingroup", "_g_\\:admingroup"));
        Path shell = karaf.resolve("etc/org.apache.karaf.shell.cfg");
        Files.writeString(shell, Files.readString(shell)
                .replaceAll("(?m)^sshHost\\s*=.*$", "sshHost = 127.0.0.1")
                .replaceAll("(?m)^sshPort\\s*=.*$", "sshPort = " + sshPort));
        Path mvn = karaf.resolve("etc/org.ops4j.pax.url.mvn.cfg");
        String repo = Path.of(System.getProperty("karaf.repository")).toUri().toString();
        String mvnConfig = Files.readString(mvn);
        if (!mvnConfig.contains("@id=gatehouse@")) {
            Files.writeString(mvn, mvnConfig.replaceFirst("(?m)^org\\.ops4j\\.pax\\.url\\.mvn\\.defaultRepositories\\s*=\\s*\\\\?",
                    "org.ops4j.pax.url.mvn.defaultRepositories = " + repo + "@id=gatehouse@snapshots, \\\\"));
        }
        Files.writeString(karaf.resolve("etc/org.gatehouse.stun.cfg"), "listen = 127.0.0.1:" + stunPort + "\ntls-listen = 127.0.0.1:0\n");
        Files.writeString(karaf.resolve("etc/org.gatehouse.tls.cfg"), Distribution.LOOPBACK_HTTP);
        Files.writeString(karaf.resolve("etc/org.gatehouse.status.cfg"), Distribution.LOOPBACK_STATUS);
        // Karaf's data/ from an earlier run would remember installed features.
        deleteTree(karaf.resolve("data"));
    }

    private void awaitClient(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = client(port, "bundle:list -t 0 org.apache.karaf.shell.core");
            if (last.contains("Active")) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("Karaf shell did not come up: " + last);
    }

    private String client(int port, String... commands) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(karaf.resolve("bin/client").toString(), "-u", "karaf", "-p", "karaf",
                "-a", String.valueOf(port), "-h", "127.0.0.1", "-r", "3", "-b").redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/client did not finish: " + out);
        }
        return out;
    }

    private void run(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.start().waitFor(60, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
