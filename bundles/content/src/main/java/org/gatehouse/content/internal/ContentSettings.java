package org.gatehouse.content.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;

/** {@code etc/org.gatehouse.content.cfg}. */
record ContentSettings(Path folder, String mount, String index, String cacheControl, String source) {

    static final String PID = "org.gatehouse.content";

    static ContentSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        String folderText = s.string("folder", "webapp");
        if (folderText.isEmpty()) {
            // Resolved, an empty path is the installation folder itself.
            throw new InvalidSettingException(s.source(), "folder", folderText, "is empty: name the folder of the web app's files, e.g. webapp");
        }
        Path folder;
        try {
            folder = InstallationPaths.resolve(folderText);
        } catch (RuntimeException e) {
            throw new InvalidSettingException(s.source(), "folder", folderText, "is not a folder path: " + e.getMessage());
        }
        String secrets = secrets(folder);
        if (secrets != null) {
            throw new InvalidSettingException(s.source(), "folder", folderText, secrets);
        }
        String mount = s.string("mount", "/webapp/");
        if (!mount.startsWith("/") || !mount.endsWith("/") || mount.contains("..") || mount.contains("//") && !mount.equals("/")) {
            throw new InvalidSettingException(s.source(), "mount", mount, "must be a path that starts and ends with /, such as /webapp/");
        }
        String index = s.string("index", "index.html");
        if (index.isEmpty() || index.contains("/") || index.contains("\\") || index.equals("..") || index.equals(".")) {
            throw new InvalidSettingException(s.source(), "index", index, "must be a file name, such as index.html");
        }
        String cacheControl = s.string("cache-control", "no-cache");
        if (!cacheControl.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new InvalidSettingException(s.source(), "cache-control", cacheControl,
                    "must be printable ASCII (such as no-cache, or max-age=3600): it is sent as a header field");
        }
        return new ContentSettings(folder, mount, index, cacheControl, s.source());
    }

    /**
     * Why {@code folder} must not be served, or null: everything under it is served, and etc/ and data/
     * hold passwords, keys and certificates; one inside them (etc/tls, data/tls) holds the keys themselves.
     */
    static String secrets(Path folder) {
        Path served = real(folder);
        for (Path secret : List.of(InstallationPaths.home().resolve("etc"), InstallationPaths.data())) {
            Path held = real(secret);
            String where = held.startsWith(served) ? "holds " : served.startsWith(held) ? "is inside " : null;
            if (where != null) {
                return where + secret + " (passwords, keys, certificates), which would be served: name a folder that holds only the"
                        + " web app's files, e.g. webapp";
            }
        }
        return null;
    }

    /**
     * {@code p} with the links of its longest existing part followed, so that a link to the installation
     * folder is caught too, also on the way to a folder not made yet.
     */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path rest = null;
        for (Path existing = abs; existing != null; existing = existing.getParent()) {
            try {
                Path real = existing.toRealPath();
                return rest == null ? real : real.resolve(rest);
            } catch (java.io.IOException | RuntimeException missing) {
                Path name = existing.getFileName();
                if (name == null) {
                    break;
                }
                rest = rest == null ? name : name.resolve(rest);
            }
        }
        return abs;
    }
}
