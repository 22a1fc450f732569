package org.gatehouse.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The assembled distribution folder ({@code distribution/target/gatehouse}) these tests run. */
final class Distribution {

    private Distribution() {
    }

    static Path home() {
        String p = System.getProperty("gatehouse.distribution");
        if (p == null) {
            throw new IllegalStateException("system property gatehouse.distribution is not set (run through Maven)");
        }
        return Path.of(p).toAbsolutePath().normalize();
    }

    static List<Path> jars(String folder) {
        return jars(home().resolve(folder));
    }

    static List<Path> jars(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path systemJar(String fileNamePrefix) {
        return jars("system").stream().filter(startsWith(fileNamePrefix)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no system/" + fileNamePrefix + "*.jar in " + home()));
    }

    static Predicate<Path> startsWith(String prefix) {
        return p -> p.getFileName().toString().startsWith(prefix);
    }

    /** STUN on an ephemeral loopback port: tests never listen beyond this machine. */
    static final String LOOPBACK_STUN = "listen = 127.0.0.1:0\ntls-listen = 127.0.0.1:0\n";

    /** The shipped TLS settings with HTTPS and the HTTP redirect moved to ephemeral loopback ports. */
    static String loopbackHttp(String cfg) {
        return cfg.replaceAll("(?m)^https-listen\\s*=.*$", "https-listen = 127.0.0.1:0")
                .replaceAll("(?m)^http-listen\\s*=.*$", "http-listen = 127.0.0.1:0");
    }

    /** HTTPS and the HTTP redirect on ephemeral loopback ports. */
    static final String LOOPBACK_HTTP = "https-listen = 127.0.0.1:0\nhttp-listen = 127.0.0.1:0\n";

    /** The metrics and status listener on an ephemeral loopback port instead of the shipped 127.0.0.1:9090. */
    static final String LOOPBACK_STATUS = "listen = 127.0.0.1:0\n";

    /** The shipped status settings with the listener moved to an ephemeral loopback port. */
    static String loopbackStatus(String cfg) {
        return cfg.replaceAll("(?m)^listen\\s*=.*$", "listen = 127.0.0.1:0");
    }

    /** The remote shell on an ephemeral loopback port instead of the shipped 127.0.0.1:8101. */
    static final String LOOPBACK_SSH = "listen = 127.0.0.1:0\n";

    /** The shipped SSH settings with the listener moved to {@code listen}. */
    static String ssh(String cfg, String listen) {
        return cfg.replaceAll("(?m)^listen\\s*=.*$", "listen = " + listen);
    }

    /**
     * A private copy of the distribution so a test can change etc/, deploy/ and data/ freely; its
     * STUN, HTTPS, status and SSH listeners are moved to ephemeral loopback ports.
     */
    static Path copyTo(Path target) throws IOException {
        copyTree(target);
        Files.writeString(target.resolve("etc/org.gatehouse.stun.cfg"), LOOPBACK_STUN);
        Path tls = target.resolve("etc/org.gatehouse.tls.cfg");
        Files.writeString(tls, loopbackHttp(Files.readString(tls)));
        Path status = target.resolve("etc/org.gatehouse.status.cfg");
        Files.writeString(status, loopbackStatus(Files.readString(status)));
        Path ssh = target.resolve("etc/org.gatehouse.ssh.cfg");
        Files.writeString(ssh, ssh(Files.readString(ssh), "127.0.0.1:0"));
        // reset-to-defaults puts these back: they must not bring 0.0.0.0:3478, 0.0.0.0:8443, 127.0.0.1:8101 or :9090
        // into a test either.
        Path defaultStun = target.resolve("system/defaults/etc/org.gatehouse.stun.cfg");
        if (Files.exists(defaultStun)) {
            Files.writeString(defaultStun, LOOPBACK_STUN);
        }
        Path defaultTls = target.resolve("system/defaults/etc/org.gatehouse.tls.cfg");
        if (Files.exists(defaultTls)) {
            Files.writeString(defaultTls, loopbackHttp(Files.readString(defaultTls)));
        }
        Path defaultSsh = target.resolve("system/defaults/etc/org.gatehouse.ssh.cfg");
        if (Files.exists(defaultSsh)) {
            Files.writeString(defaultSsh, ssh(Files.readString(defaultSsh), "127.0.0.1:0"));
        }
        Path defaultStatus = target.resolve("system/defaults/etc/org.gatehouse.status.cfg");
        if (Files.exists(defaultStatus)) {
            Files.writeString(defaultStatus, loopbackStatus(Files.readString(defaultStatus)));
        }
        return target;
    }

    private static void copyTree(Path target) throws IOException {
        Path source = home();
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = source.relativize(p);
                if (rel.startsWith("data") && rel.getNameCount() > 1 && !rel.toString().equals("data/README.txt")) {
                    continue;
                }
                Path dest = target.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
