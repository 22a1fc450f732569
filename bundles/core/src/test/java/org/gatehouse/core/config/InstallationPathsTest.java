package org.gatehouse.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Karaf is told apart by its {@code karaf.home}; the Gatehouse launcher's {@code gatehouse.home} wins over it. */
class InstallationPathsTest {

    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void save() {
        for (String p : new String[] {"gatehouse.home", "karaf.home"}) {
            saved.put(p, System.getProperty(p));
            System.clearProperty(p);
        }
    }

    @AfterEach
    void restore() {
        saved.forEach((p, v) -> {
            if (v == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, v);
            }
        });
    }

    @Test
    void standaloneLogsToItsOwnFile() {
        System.setProperty("gatehouse.home", "/opt/gatehouse");
        assertFalse(InstallationPaths.inKaraf());
        assertEquals("data/log/gatehouse.log", InstallationPaths.logFile());
    }

    @Test
    void insideKarafItsLogIsKarafs() {
        System.setProperty("karaf.home", "/opt/karaf");
        assertTrue(InstallationPaths.inKaraf());
        assertEquals("data/log/karaf.log", InstallationPaths.logFile());
    }

    @Test
    void theLauncherWinsOverAKarafHomeLeftInTheEnvironment() {
        System.setProperty("karaf.home", "/opt/karaf");
        System.setProperty("gatehouse.home", "/opt/gatehouse");
        assertFalse(InstallationPaths.inKaraf());
    }
}
