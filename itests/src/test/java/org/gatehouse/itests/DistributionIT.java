package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distribution as a service manager runs it: headless start, hot deploy, live configuration, SIGTERM. */
class DistributionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern STARTED = Pattern.compile("Gatehouse (\\S+) started in (\\d+) ms: (\\d+) bundles active, (\\d+) listening sockets?(.*)");

    @TempDir
    Path dir;

    @Test
    void headlessServerStartsHotDeploysReconfiguresAndStopsCleanly() throws Exception {
        // A space in the installation path: the scripts quote every path they pass on.
        Path home = Distribution.copyTo(dir.resolve("gate house"));
        // Move the shell bundle out of system/ so it can be hot-deployed into the running server.
        Path shell = Distribution.jars(home.resolve("system")).stream()
                .filter(Distribution.startsWith("org.gatehouse.shell")).findFirst().orElseThrow();
        Path parked = Files.move(shell, dir.resolve(shell.getFileName()));
        // A configuration file left in deploy/ from before the start: ignored too (FileInstall's first
        // scan, before the deploy bundle's installer was there, applied it).
        Files.writeString(home.resolve("deploy/org.gatehouse.status.cfg"), "listen = 127.0.0.1:1\n");

        try (Server server = Server.start(home)) {
            String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            Matcher m = STARTED.matcher(started);
            assertTrue(m.matches());
            assertEquals("", m.group(5), "every bundle active: " + started);
            assertEquals("7", m.group(4), "STUN/TURN on UDP, TCP and TLS, HTTPS, the HTTP redirect, the status listener and SSH: " + started);
            System.out.println("[startup] " + started);

            // A second server on the same folder stops at once: it would wipe this one's framework
            // cache and share its UDP ports.
            try (Server second = Server.start(home)) {
                assertEquals(2, second.awaitExit(WAIT), second.output());
                assertTrue(second.output().contains("another Gatehouse is running on " + home.toRealPath()), second.output());
            }

            // Logging reaches data/log/gatehouse.log through pax-logging.
            server.awaitLog(l -> l.contains("EventLoopsComponent - I/O:"), 1, WAIT);
            assertFalse(server.log().stream().anyMatch(l -> l.contains("is not a setting") || l.contains("are not settings")),
                    "every key of the shipped etc/*.cfg files is read: " + String.join("\n", server.log()));

            // Hot deploy: the jar is picked up and started, then removed again, without a restart. Its copy
            // is seen half-written first (a transfer that stalled), ignored as no readable jar, and
            // deployed once complete.
            Path deployed = home.resolve("deploy/org.gatehouse.shell.jar");
            Path tmp = home.resolve("deploy/shell.tmp");
            byte[] whole = Files.readAllBytes(parked);
            Files.write(deployed, java.util.Arrays.copyOf(whole, whole.length / 2));
            server.awaitLog(l -> l.contains(" WARN ") && l.contains("deploy/org.gatehouse.shell.jar is ignored: it is not a readable jar"), 1, WAIT);
            Files.write(deployed, whole);
            server.awaitLog(l -> l.contains("Started bundle: ") && l.contains("org.gatehouse.shell.jar"), 1, WAIT);
            Files.delete(deployed);
            server.awaitLog(l -> l.contains("Uninstalling bundle") && l.contains("org.gatehouse.shell"), 1, WAIT);

            // A jar of a shipped bundle (same name and version) dropped into deploy/ replaces it; deleting the
            // jar puts the shipped one back, where FileInstall alone would leave the bundle uninstalled.
            Path content = Distribution.jars(home.resolve("system")).stream()
                    .filter(Distribution.startsWith("org.gatehouse.content")).findFirst().orElseThrow();
            Path patch = home.resolve("deploy/content-patch.jar");
            Files.copy(content, tmp);
            Files.move(tmp, patch, StandardCopyOption.ATOMIC_MOVE);
            server.awaitLog(l -> l.contains("Updating this bundle instead"), 1, WAIT);
            Thread.sleep(1500);
            Files.delete(patch);
            server.awaitOutput(l -> l.startsWith("gatehouse: org.gatehouse.content: its replacement was removed from deploy/; the shipped ")
                    && l.endsWith(" is installed and started again"), WAIT);

            // What is not a bundle is ignored with one line saying why: a configuration file (it belongs in
            // etc/; read here it replaced its component's configuration) and a jar without a bundle manifest.
            Files.write(home.resolve("deploy/garbage.jar"), new byte[] {'P', 'K', 1, 2});
            Files.writeString(home.resolve("deploy/org.gatehouse.tls.cfg"), "https-listen = 127.0.0.1:1\n");
            server.awaitLog(l -> l.contains(" WARN ") && l.endsWith("deploy/garbage.jar is ignored: it is not a readable jar (zip END header not found)"), 1, WAIT);
            server.awaitLog(l -> l.contains(" WARN ") && l.endsWith("deploy/org.gatehouse.tls.cfg is ignored: configuration belongs in etc/"
                    + " (put its keys into etc/org.gatehouse.tls.cfg, which applies at once)"), 1, WAIT);
            server.awaitLog(l -> l.contains(" WARN ") && l.endsWith("deploy/org.gatehouse.status.cfg is ignored: configuration belongs in etc/"
                    + " (put its keys into etc/org.gatehouse.status.cfg, which applies at once)"), 1, WAIT);
            Files.delete(home.resolve("deploy/garbage.jar"));
            Files.delete(home.resolve("deploy/org.gatehouse.tls.cfg"));
            Files.delete(home.resolve("deploy/org.gatehouse.status.cfg"));
            server.awaitLog(l -> l.contains("is no longer ignored (removed)"), 3, WAIT);
            assertFalse(server.log().stream().anyMatch(l -> l.contains("127.0.0.1:1")), "the deploy/ file was not applied");

            // A .cfg edit reaches the running component; a bad value is refused with one line naming file and key.
            Path cfg = home.resolve("etc/org.gatehouse.core.cfg");
            String original = Files.readString(cfg, StandardCharsets.UTF_8);
            ConfigFile.replace(cfg, original.replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.40.0.0/16"));
            server.awaitLog(l -> l.contains("management networks now 10.40.0.0/16"), 1, WAIT);
            // The operator's file is not written back (FileInstall's write-back, off in the launcher,
            // rewrote it in place moments after applying it, and lost an edit saved meanwhile), so the
            // next edit may come at once.
            FileTime written = Files.getLastModifiedTime(cfg);
            Thread.sleep(1500);
            assertEquals(original.replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.40.0.0/16"),
                    Files.readString(cfg, StandardCharsets.UTF_8), "the file as the operator wrote it");
            assertEquals(written, Files.getLastModifiedTime(cfg), "the file is not written again");

            ConfigFile.replace(cfg, original.replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.40.0.0/16, 10.50.0.7/8"));
            List<String> refused = server.awaitLog(l -> l.contains(" ERROR ") && l.contains("management-networks"), 1, WAIT);
            Thread.sleep(2000);
            refused = server.log().stream().filter(l -> l.contains(" ERROR ") && l.contains("management-networks")).toList();
            assertEquals(1, refused.size(), "exactly one line: " + refused);
            assertTrue(refused.get(0).contains("etc/org.gatehouse.core.cfg: management-networks = '10.40.0.0/16, 10.50.0.7/8'"), refused.get(0));
            assertTrue(refused.get(0).contains("did you mean 10.0.0.0/8?"), refused.get(0));
            assertTrue(refused.get(0).endsWith("keeping management networks 10.40.0.0/16"), refused.get(0));

            // Changing the I/O threads is accepted and applies at the next start, said once.
            ConfigFile.replace(cfg, original.replace("io-threads = 0", "io-threads = 1").replace("management-networks = 127.0.0.0/8, ::1", "management-networks = 10.40.0.0/16"));
            server.awaitLog(l -> l.contains("io-threads = 1") && l.contains("take effect at the next restart"), 1, WAIT);

            // A misspelt key is named, with the key it most likely meant, in one line; the rest applies.
            ConfigFile.replace(cfg, original.replace("management-networks = 127.0.0.0/8, ::1", "management-network = 10.60.0.0/16"));
            List<String> unknown = server.awaitLog(l -> l.contains(" WARN ") && l.contains("not a setting"), 1, WAIT);
            assertTrue(unknown.get(0).endsWith("etc/org.gatehouse.core.cfg: management-network (did you mean management-networks?)"
                    + " is not a setting of this file and is ignored"), unknown.get(0));

            assertEquals(0, server.terminate(), server.output());
            assertTrue(server.output().contains("Gatehouse stopped."), server.output());
            assertFalse(server.log().stream().anyMatch(l -> l.contains(" ERROR ") && !l.contains("management-networks")),
                    String.join("\n", server.log()));
        }
    }

    @Test
    void startsWithBuiltInDefaultsAlone() throws Exception {
        Path home = Distribution.copyTo(dir.resolve("bare"));
        try (var files = Files.walk(home.resolve("etc"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(home.resolve("etc"))) {
                    Files.delete(p);
                }
            }
        }
        // Nothing but what keeps a test on loopback: every other setting is the built-in default.
        Files.writeString(home.resolve("etc/org.gatehouse.stun.cfg"), Distribution.LOOPBACK_STUN);
        Files.writeString(home.resolve("etc/org.gatehouse.tls.cfg"), Distribution.LOOPBACK_HTTP);
        Files.writeString(home.resolve("etc/org.gatehouse.status.cfg"), Distribution.LOOPBACK_STATUS);
        Files.writeString(home.resolve("etc/org.gatehouse.ssh.cfg"), Distribution.LOOPBACK_SSH);
        try (Server server = Server.start(home)) {
            String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            Matcher m = STARTED.matcher(started);
            assertTrue(m.matches());
            assertEquals("", m.group(5), started);
            assertEquals(0, server.terminate(), server.output());
        }
    }

    /**
     * Class-data sharing: the first run's recording is kept (it started) and mapped by the next start,
     * also when a second bin/gatehouse was refused meanwhile (the script removed the first's mark with
     * the archives of other JVMs, and its next start recorded afresh).
     */
    @Test
    void classDataRecordedByARunIsKeptPastASecondServerRefused() throws Exception {
        Path home = Distribution.copyTo(dir.resolve("cds"));
        Path cds = home.resolve("data/cds");
        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            try (Server second = Server.start(home)) {
                assertEquals(2, second.awaitExit(WAIT), second.output());
            }
            assertEquals(0, server.terminate(), server.output());
        }
        List<String> recorded;
        try (var files = Files.list(cds)) {
            recorded = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(recorded.stream().anyMatch(n -> n.endsWith(".jsa.new")) && recorded.stream().anyMatch(n -> n.endsWith(".jsa.started")),
                "the recording and its mark: " + recorded);
        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            try (var files = Files.list(cds)) {
                List<String> now = files.map(p -> p.getFileName().toString()).toList();
                assertTrue(now.stream().anyMatch(n -> n.endsWith(".jsa")), "the archive mapped: " + now);
            }
            assertEquals(0, server.terminate(), server.output());
        }
    }

    @Test
    void unreadableLauncherSettingsAreNamedAndRefused() throws Exception {
        Path home = Distribution.copyTo(dir.resolve("bad"));
        Files.writeString(home.resolve("etc/gatehouse.properties"), "gatehouse.launcher.shutdown-timeout = soon\n");
        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> l.contains("etc/gatehouse.properties: gatehouse.launcher.shutdown-timeout = 'soon'"), WAIT);
        }
    }
}
