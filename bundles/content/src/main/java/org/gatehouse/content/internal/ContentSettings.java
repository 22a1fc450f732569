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
        for (Path secret : List.of(InstallationPaths.home().resolve("etc"), InstallationPaths.data())) {
            if (real(secret).startsWith(real(folder))) {
                // Everything under the folder is served: etc/ and data/ hold passwords, keys and certificates.
                throw new InvalidSettingException(s.source(), "folder", folderText, "holds " + secret
                        + " (passwords, keys, certificates), which would be served: name a folder that holds only the web app's files, e.g. webapp");
            }
            if (real(folder).startsWith(real(secret))) {
                // etc/tls, data/tls: the private keys themselves.
                throw new InvalidSettingException(s.source(), "folder", folderText, "is inside " + secret
                        + " (passwords, keys, certificates), which would be served: name a folder that holds only the web app's files, e.g. webapp");
            }
        }
        String mount = s.string("mount", "/webapp/");
        if (!mount.startsWith("/") || !mount.endsWith("/") || mount.contains("..") || mount.contains("//") && !mount.equals("/")) {
            throw new InvalidSettingException(s.source(), "mount", mount, "must be a path that starts and ends with /, such as /webapp/");
        }
        String index = s.string("index", "index.html");
        if (index.contains("/") || index.contains("\\") || index.equals("..") || index.equals(".")) {
            throw new InvalidSettingException(s.source(), "index", index, "must be a file name");
        }
        return new ContentSettings(folder, mount, index, s.string("cache-control", "no-cache"), s.source());
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
