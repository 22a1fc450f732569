package org.gatehouse.deploy.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** Why a file in {@code deploy/} is not taken, in the operator's words; null for a bundle jar. */
final class DeployedFile {

    private DeployedFile() {
    }

    /** A configuration file by its name ({@code .cfg}, {@code .config}, in any case). */
    static boolean isConfiguration(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".cfg") || lower.endsWith(".config");
    }

    static String whyIgnored(Path file) {
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (isConfiguration(name)) {
            String base = name.substring(0, name.lastIndexOf('.'));
            return "configuration belongs in etc/ (put its keys into etc/" + base + ".cfg, which applies at once)";
        }
        if (!lower.endsWith(".jar")) {
            return null;
        }
        try (JarFile jar = new JarFile(file.toFile())) {
            Manifest m = jar.getManifest();
            if (m == null) {
                return "it is not an OSGi bundle (a jar without a manifest)";
            }
            if (m.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                return "it is not an OSGi bundle (no Bundle-SymbolicName in its manifest)";
            }
            return null;
        } catch (IOException | SecurityException e) {
            return "it is not a readable jar (" + e.getMessage() + ")";
        }
    }
}
