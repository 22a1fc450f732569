package org.gatehouse.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentSettingsTest {

    @TempDir
    Path dir;
    private Path home;
    private String oldHome;

    @BeforeEach
    void home() throws Exception {
        home = Files.createDirectories(dir.resolve("gatehouse"));
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("webapp"));
        oldHome = System.setProperty("gatehouse.home", home.toString());
    }

    @AfterEach
    void restore() {
        if (oldHome == null) {
            System.clearProperty("gatehouse.home");
        } else {
            System.setProperty("gatehouse.home", oldHome);
        }
    }

    /** Everything under the folder is served: a folder that holds etc/ or data/, or is in them, would serve passwords and keys. */
    @Test
    void aFolderHoldingTheInstallationsSecretsIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link-to-home"), home);
        for (String folder : new String[] {"", ".", "./", home.toString(), dir.toString(), "/", link.toString(), "etc", "data/..",
                "etc/tls", "data/tls", link + "/data/ssh"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ContentSettings.read(Map.of("folder", folder)),
                    "folder = '" + folder + "'");
            assertTrue(e.getMessage().startsWith("configuration org.gatehouse.content: folder = '" + folder + "'"), e.getMessage());
        }
        assertEquals(home.resolve("webapp"), ContentSettings.read(Map.of("folder", "webapp")).folder());
        Path elsewhere = Files.createDirectories(dir.resolve("srv-webapp"));
        assertEquals(elsewhere, ContentSettings.read(Map.of("folder", elsewhere.toString())).folder(), "a folder outside the installation is fine");
    }

    /** A value sent as a header field is refused at once with the key, not at every request; an empty index is no index. */
    @Test
    void aCacheControlOfControlCharactersOrAnEmptyIndexIsRefused() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("srv-webapp"));
        for (Map<String, String> bad : List.of(Map.of("cache-control", "no-cache\u0007"), Map.of("cache-control", "max-age=60\r\nSet-Cookie: x=1"),
                Map.of("index", ""))) {
            Map<String, String> props = new java.util.HashMap<>(bad);
            props.put("folder", folder.toString());
            String key = bad.keySet().iterator().next();
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ContentSettings.read(props), bad.toString());
            assertTrue(e.getMessage().startsWith("configuration org.gatehouse.content: " + key + " = '"), e.getMessage());
        }
        assertEquals("max-age=3600, immutable",
                ContentSettings.read(Map.of("folder", folder.toString(), "cache-control", "max-age=3600, immutable")).cacheControl());
    }
}
