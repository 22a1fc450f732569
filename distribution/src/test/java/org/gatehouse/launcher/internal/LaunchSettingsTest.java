package org.gatehouse.launcher.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchSettingsTest {

    @TempDir
    Path home;

    @Test
    void builtInDefaultsWithoutAFile() throws Exception {
        LaunchSettings s = LaunchSettings.load(home, false);
        assertEquals(home.resolve("data/cache").toString(), s.frameworkProperties().get("org.osgi.framework.storage"));
        assertEquals(home.resolve("deploy") + "," + home.resolve("etc"), s.frameworkProperties().get("felix.fileinstall.dir"));
        assertEquals("false", s.frameworkProperties().get("felix.fileinstall.enableConfigSave"), "etc/*.cfg are never written back");
        assertEquals(30, s.shutdownTimeoutSeconds());
        assertEquals(1, s.startLevel("org.ops4j.pax.logging.pax-logging-api"));
        assertEquals(2, s.startLevel("org.gatehouse.core"));
        assertTrue(s.earlyRank("org.ops4j.pax.logging.pax-logging-api") < s.earlyRank("org.apache.felix.fileinstall"));
        assertTrue(!s.wanted("org.apache.felix.gogo.jline"), "headless runs leave out the console");
        assertTrue(LaunchSettings.load(home, true).wanted("org.apache.felix.gogo.jline"));
        assertTrue(s.frameworkProperties().keySet().stream().noneMatch(k -> k.startsWith("gatehouse.launcher.")));
    }

    @Test
    void fileOverridesDefaultsAndInterpolatesEnvironmentSystemAndOtherKeys() throws Exception {
        System.setProperty("gatehouse.test.poll", "250");
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve(LaunchSettings.FILE), String.join("\n",
                "felix.fileinstall.poll = ${sys:gatehouse.test.poll}",
                "gatehouse.test.path = ${env:PATH}",
                "gatehouse.test.cache = ${org.osgi.framework.storage}/x",
                "gatehouse.launcher.shutdown-timeout = 7",
                ""));
        LaunchSettings s = LaunchSettings.load(home, false);
        assertEquals("250", s.frameworkProperties().get("felix.fileinstall.poll"));
        assertEquals(System.getenv("PATH"), s.frameworkProperties().get("gatehouse.test.path"));
        assertEquals(home.resolve("data/cache") + "/x", s.frameworkProperties().get("gatehouse.test.cache"));
        assertEquals(7, s.shutdownTimeoutSeconds());
    }

    @Test
    void aBadValueNamesTheFileAndKey() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve(LaunchSettings.FILE), "gatehouse.launcher.shutdown-timeout = soon\n");
        LaunchSettings.BadSettingsException e = assertThrows(LaunchSettings.BadSettingsException.class,
                () -> LaunchSettings.load(home, false));
        assertEquals("etc/gatehouse.properties: gatehouse.launcher.shutdown-timeout = 'soon' is not a positive number of seconds",
                e.getMessage());
    }

    /** A key appended below the same key: the reader would keep the first, the operator means the last; refused, named. */
    @Test
    void aKeySetTwiceIsRefused() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve(LaunchSettings.FILE),
                "gatehouse.launcher.shutdown-timeout = 30\n# later\ngatehouse.launcher.shutdown-timeout = 60\n");
        LaunchSettings.BadSettingsException e = assertThrows(LaunchSettings.BadSettingsException.class,
                () -> LaunchSettings.load(home, false));
        assertEquals("etc/gatehouse.properties: gatehouse.launcher.shutdown-timeout is set 2 times; keep one", e.getMessage());
    }
}
