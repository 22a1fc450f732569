package org.gatehouse.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployFolderComponentTest {

    @TempDir
    Path home;

    private static Path jar(Path file, String symbolicName) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            m.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return file;
    }

    @Test
    void saysWhyEachFileThatIsNotABundleIsIgnored() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        assertNull(DeployedFile.whyIgnored(jar(deploy.resolve("good.jar"), "org.example.good")));
        assertEquals("it is not an OSGi bundle (no Bundle-SymbolicName in its manifest)",
                DeployedFile.whyIgnored(jar(deploy.resolve("plain.jar"), null)));
        Path garbage = Files.write(deploy.resolve("garbage.jar"), new byte[] {1, 2, 3, 4, 5});
        assertTrue(DeployedFile.whyIgnored(garbage).startsWith("it is not a readable jar ("), DeployedFile.whyIgnored(garbage));
        assertEquals("configuration belongs in etc/ (put its keys into etc/org.gatehouse.tls.cfg, which applies at once)",
                DeployedFile.whyIgnored(Files.writeString(deploy.resolve("org.gatehouse.tls.cfg"), "https-listen = 127.0.0.1:9443\n")));
        assertNull(DeployedFile.whyIgnored(Files.writeString(deploy.resolve("README.txt"), "read me")));
    }

    @Test
    void takesOnlyItsOwnFolderAndForgetsWhatIsGone() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        Path etc = Files.createDirectories(home.resolve("etc"));
        DeployFolderComponent c = new DeployFolderComponent(deploy);
        Path cfg = Files.writeString(deploy.resolve("org.gatehouse.tls.cfg"), "a = 1\n");
        assertTrue(c.canHandle(cfg.toFile()), "ahead of FileInstall's configuration installer");
        assertFalse(c.canHandle(Files.writeString(etc.resolve("org.gatehouse.tls.cfg"), "a = 1\n").toFile()), "etc/ is FileInstall's");
        assertFalse(c.canHandle(jar(deploy.resolve("good.jar"), "org.example.good").toFile()), "bundles are FileInstall's");
        Path plain = jar(deploy.resolve("plain.jar"), null);
        assertTrue(c.canHandle(plain.toFile()));

        c.install(cfg.toFile());
        c.install(plain.toFile());
        assertEquals(2, c.ignored().size());
        assertEquals("deploy/ holds files that are ignored: org.gatehouse.tls.cfg: configuration belongs in etc/ (put its keys into"
                + " etc/org.gatehouse.tls.cfg, which applies at once); plain.jar: it is not an OSGi bundle (no Bundle-SymbolicName in its manifest)",
                c.problem());
        // The plain jar becomes a bundle (a copy half-written when first seen): FileInstall asks again, finds
        // this installer no longer takes it, uninstalls here, and installs nothing until the file changes
        // again; so its time is moved on for FileInstall's next look.
        jar(plain, "org.example.plain");
        Files.setLastModifiedTime(plain, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        long written = Files.getLastModifiedTime(plain).toMillis();
        assertFalse(c.canHandle(plain.toFile()));
        c.uninstall(plain.toFile());
        assertTrue(Files.getLastModifiedTime(plain).toMillis() >= written + 1000, "seen as changed by FileInstall's scanner");
        Files.delete(cfg);
        c.uninstall(cfg.toFile());
        assertEquals(Map.of(), c.ignored());
        assertNull(c.problem());
    }

    /** A component started again (its bundle refreshed) lists the files still ignored: FileInstall does not install them again. */
    @Test
    void filesAlreadyThereAreListedAtActivation() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        Path cfg = Files.writeString(deploy.resolve("org.gatehouse.tls.cfg"), "a = 1\n");
        jar(deploy.resolve("good.jar"), "org.example.good");
        Files.writeString(deploy.resolve("README.txt"), "read me");
        DeployFolderComponent first = new DeployFolderComponent(deploy);
        first.activate(null);
        first.install(cfg.toFile());
        first.deactivate();
        DeployFolderComponent again = new DeployFolderComponent(deploy);
        again.activate(null);
        assertEquals(java.util.Set.of("org.gatehouse.tls.cfg"), again.ignored().keySet());
        assertTrue(again.problem().startsWith("deploy/ holds files that are ignored: org.gatehouse.tls.cfg"), again.problem());
    }

    /**
     * A deleted bundle jar is not claimed (its uninstall is FileInstall's); a deleted configuration file
     * always is (FileInstall's own installer would delete etc/'s configuration of that name, and its
     * file), and so is a deleted jar that was ignored here.
     */
    @Test
    void whatIsDeletedIsClaimedOnlyWhenItWasThisInstallers() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        DeployFolderComponent c = new DeployFolderComponent(deploy);
        assertFalse(c.canHandle(deploy.resolve("gone.jar").toFile()));
        assertTrue(c.canHandle(deploy.resolve("org.gatehouse.tls.cfg").toFile()));
        assertTrue(c.canHandle(deploy.resolve("org.gatehouse.tls.config").toFile()));
        Path plain = jar(deploy.resolve("plain.jar"), null);
        c.install(plain.toFile());
        Files.delete(plain);
        assertTrue(c.canHandle(plain.toFile()));
        c.uninstall(plain.toFile());
        assertEquals(Map.of(), c.ignored());
    }
}
