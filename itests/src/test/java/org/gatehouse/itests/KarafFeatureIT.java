package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The features repository installed into stock Apache Karaf 4.4 minimal, unpacked from Maven Central
 * by the build: {@code feature:repo-add}, {@code feature:install gatehouse gatehouse-auth-ldap}, every
 * Gatehouse bundle active, and {@code gatehouse:status} answering in Karaf's shell.
 */
class KarafFeatureIT {

    private Path karaf;

    @Test
    void gatehouseFeatureInstallsAndItsBundlesGoActive() throws Exception {
        karaf = Path.of(System.getProperty("karaf.home"));
        String version = System.getProperty("gatehouse.version");
        int sshPort = freePort();
        prepare(sshPort);
        run(karaf.resolve("bin/start").toString());
        awaitClient(sshPort);

        // Installing Bouncy Castle lets Karaf's SSH bundles wire their optional BC imports, and Karaf
        // refreshes them: the session that ran feature:install may be cut. The listing is a new session.
        client(sshPort,
                "feature:repo-add mvn:org.gatehouse/gatehouse-features/" + version + "/xml/features",
                "feature:install gatehouse gatehouse-auth-ldap");
        List<String> wanted = List.of("org.gatehouse.core", "org.gatehouse.stun", "org.gatehouse.tls", "org.gatehouse.turn",
                "org.gatehouse.ban", "org.gatehouse.shell", "org.gatehouse.status", "io.netty.transport", "org.gatehouse.auth.ldap", "com.unboundid.ldap.sdk");
        String installed = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            installed = client(sshPort, "bundle:list -s -t 0");
            String list = installed;
            if (wanted.stream().allMatch(bsn -> active(list, bsn))) {
                break;
            }
            Thread.sleep(1000);
        }
        for (String bsn : wanted) {
            assertTrue(active(installed, bsn), bsn + " not active in Karaf:\n" + installed);
        }
        assertTrue(Pattern.compile("\\|\\s*Resolved\\s*\\|.*\\|\\s*io\\.netty\\.transport-native-epoll\\S*\\s*$", Pattern.MULTILINE)
                .matcher(installed).find(), "epoll fragment not attached:\n" + installed);

        String status = client(sshPort, "gatehouse:status");
        assertTrue(status.contains("All well."), status);
        // Karaf's pax-logging has the OSGi log reader the last errors come from.
        assertTrue(status.contains("\nLast errors: ") && !status.contains("Last errors: unknown"), status);
        assertTrue(status.contains("epoll event loop"), status);
        assertTrue(Pattern.compile("stun\\s+udp\\s+127\\.0\\.0\\.1:\\d+").matcher(status).find(), status);
        assertTrue(Pattern.compile("status\\s+tcp\\s+127\\.0\\.0\\.1:\\d+").matcher(status).find(), status);
        String stun = client(sshPort, "stun:status");
        assertTrue(stun.contains("STUN listeners"), stun);
    }

    private static boolean active(String bundleList, String bsn) {
        return Pattern.compile("\\|\\s*Active\\s*\\|.*\\|\\s*" + Pattern.quote(bsn) + "\\s*$", Pattern.MULTILINE)
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
    private void prepare(int sshPort) throws IOException {
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
        Files.writeString(karaf.resolve("etc/org.gatehouse.stun.cfg"), Distribution.LOOPBACK_STUN);
        Files.writeString(karaf.resolve("etc/org.gatehouse.tls.cfg"), Distribution.LOOPBACK_HTTP);
        Files.writeString(karaf.resolve("etc/org.gatehouse.status.cfg"), Distribution.LOOPBACK_STATUS);
        Files.writeString(karaf.resolve("etc/org.gatehouse.ssh.cfg"), Distribution.LOOPBACK_SSH);
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
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
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
