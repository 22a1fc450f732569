package org.gatehouse.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CfgFileTest {

    @Test
    void theEntryInForceIsReplacedWhereverAndHoweverItIsWritten() {
        assertEquals("a = 1\r\nnodes = x:1\r\nb = 2\r\n", CfgFile.with("a = 1\r\nnodes = y:1, \\\r\n  z:1\r\nb = 2\r\n", "nodes", "x:1"));
        assertEquals("a = 1\nnodes = x:1\n", CfgFile.with("a = 1", "nodes", "x:1"));
        assertEquals("nodes = x:1\n", CfgFile.with("", "nodes", "x:1"));
        assertEquals("#nodes = q:1\nnodes: y:1\nnodes = x:1\n", CfgFile.with("#nodes = q:1\nnodes: y:1\nnodes=z:1\n", "nodes", "x:1"),
                "the last entry is the one in force");
        assertEquals("nodes =\n# end\n", CfgFile.with("nodes = y:1\n# end\n", "nodes", ""));
        assertEquals("realm = a\nrealm-x = 2\n", CfgFile.with("realm = b\nrealm-x = 2\n", "realm", "a"), "another key that starts alike stays");
        assertEquals("z:1", CfgFile.entries("#nodes = q:1\nnodes: y:1\nnodes=z:1\n").getProperty("nodes"));
        assertNull(CfgFile.entries("# nodes = q:1\n").getProperty("nodes"));
    }

    @Test
    void aValueReadsBackAsItself() {
        for (String v : new String[] {"plain", " leading space", "back\\slash", "a#b!c=d:e", "line\nbreak", "caf\u00e9 \u2603", ""}) {
            String text = CfgFile.with("# comment\nsecret = old\n", "secret", v);
            assertEquals(v, CfgFile.entries(text).getProperty("secret"), text);
            assertEquals("# comment\n", text.substring(0, text.indexOf("secret")));
        }
    }

    @Test
    void writesWholeFilesAndLeavesNoTemporaryOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.cfg");
        assertNull(CfgFile.read(f));
        CfgFile.write(f, "a = 1\n");
        CfgFile.write(f, "a = 2\n");
        assertEquals("a = 2\n", CfgFile.read(f));
        try (var list = Files.list(dir)) {
            assertEquals(1, list.count());
        }
    }

    @Test
    void oneEditLockForEverySpellingOfAFile(@TempDir Path dir) {
        Path file = dir.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
        assertSame(CfgFile.editLock(file), CfgFile.editLock(dir.resolve("etc/../etc/./org.gatehouse.balancer.pool-conferencing.cfg")));
        assertNotSame(CfgFile.editLock(file), CfgFile.editLock(dir.resolve("etc/org.gatehouse.tls.cfg")));
    }

    /** An etc folder that is a link (to /etc/gatehouse, say): one lock by either path, the file there yet or not. */
    @Test
    void oneEditLockThroughASymbolicLink(@TempDir Path dir) throws IOException {
        Path real = Files.createDirectories(dir.resolve("real/etc"));
        Path link = Files.createSymbolicLink(dir.resolve("etc"), real);
        assertSame(CfgFile.editLock(real.resolve("org.gatehouse.balancer.pool-a.cfg")), CfgFile.editLock(link.resolve("org.gatehouse.balancer.pool-a.cfg")));
        Files.writeString(real.resolve("org.gatehouse.tls.cfg"), "");
        Path fileLink = Files.createSymbolicLink(dir.resolve("tls.cfg"), real.resolve("org.gatehouse.tls.cfg"));
        assertSame(CfgFile.editLock(link.resolve("org.gatehouse.tls.cfg")), CfgFile.editLock(fileLink));
    }
}
