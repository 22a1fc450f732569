package org.gatehouse.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {

    @TempDir
    Path dir;

    @Test
    void storesSaltedHashesThatVerifyAndDifferForTheSamePassword() throws Exception {
        PasswordFile f = new PasswordFile(dir.resolve("ssh/users"));
        f.add("alice", "same");
        f.add("bob", "same");
        String text = Files.readString(f.file());
        assertFalse(text.contains("same"), text);
        String alice = text.lines().filter(l -> l.startsWith("alice:")).findFirst().orElseThrow();
        String bob = text.lines().filter(l -> l.startsWith("bob:")).findFirst().orElseThrow();
        assertFalse(alice.substring(6).equals(bob.substring(4)), "a salt per user");
        assertTrue(f.verify("alice", "same"));
        assertFalse(f.verify("alice", "Same"));
        assertFalse(f.verify("carol", "same"));
        assertEquals(List.of("alice", "bob"), f.users());

        f.add("alice", "changed");
        assertFalse(f.verify("alice", "same"));
        assertTrue(f.verify("alice", "changed"));
        assertTrue(f.remove("bob"));
        assertFalse(f.remove("bob"));
        assertFalse(f.verify("bob", "same"));
    }

    @Test
    void handEditsAreReadAgainAndBrokenLinesNeverLogIn() throws Exception {
        PasswordFile f = new PasswordFile(dir.resolve("users"));
        f.add("alice", "pw");
        String line = Files.readString(f.file()).lines().filter(l -> l.startsWith("alice:")).findFirst().orElseThrow();
        Files.writeString(f.file(), "# edited\n" + line.replace("alice:", "dave:") + "\nmallory:plain-text-password\neve:pbkdf2-sha256:x:y:z\n");
        Files.setLastModifiedTime(f.file(), FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertFalse(f.verify("alice", "pw"));
        assertTrue(f.verify("dave", "pw"));
        assertFalse(f.verify("mallory", "plain-text-password"));
        assertFalse(f.verify("eve", "z"));
    }

    @Test
    void badNamesAndEmptyPasswordsAreRefused() {
        PasswordFile f = new PasswordFile(dir.resolve("users"));
        assertThrows(IllegalArgumentException.class, () -> f.add("has:colon", "pw"));
        assertThrows(IllegalArgumentException.class, () -> f.add("has space", "pw"));
        assertThrows(IllegalArgumentException.class, () -> f.add("alice", ""));
    }
}
