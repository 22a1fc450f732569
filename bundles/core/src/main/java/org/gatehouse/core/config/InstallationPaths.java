package org.gatehouse.core.config;

import java.nio.file.Path;

/**
 * Where relative paths in configuration point: the installation folder ({@code gatehouse.home}, set by
 * the launcher; {@code karaf.home} inside Apache Karaf; else the working folder) and its data folder
 * ({@code gatehouse.data}, {@code karaf.data}, else {@code data/} under the installation).
 */
public final class InstallationPaths {

    private InstallationPaths() {
    }

    public static Path home() {
        String h = System.getProperty("gatehouse.home");
        if (h == null) {
            h = System.getProperty("karaf.home", ".");
        }
        return Path.of(h).toAbsolutePath().normalize();
    }

    public static Path data() {
        String d = System.getProperty("gatehouse.data");
        if (d == null && System.getProperty("gatehouse.home") == null) {
            d = System.getProperty("karaf.data");
        }
        return d != null ? Path.of(d).toAbsolutePath().normalize() : home().resolve("data");
    }

    /** Whether this runs inside Apache Karaf: {@code karaf.home} set, and no Gatehouse launcher's {@code gatehouse.home}. */
    public static boolean inKaraf() {
        return System.getProperty("gatehouse.home") == null && System.getProperty("karaf.home") != null;
    }

    /** The log file operators read, relative to {@link #home()}: Gatehouse's own, or Karaf's (its default) in Karaf. */
    public static String logFile() {
        return inKaraf() ? "data/log/karaf.log" : "data/log/gatehouse.log";
    }

    /** {@code path} as written in a {@code .cfg} file: absolute as it is, relative under {@link #home()}. */
    public static Path resolve(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : home().resolve(p).normalize();
    }
}
