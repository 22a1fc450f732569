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

    /** Each command holds its own PasswordFile: an add hashing while another session removes a user does not bring it back. */
    @Test
    void aRemovalDuringAnotherSessionsAddStays() throws Exception {
        Path users = dir.resolve("users");
        PasswordFile adding = new PasswordFile(users);
        PasswordFile removing = new PasswordFile(users);
        adding.add("alice", "pw");
        Thread add = new Thread(() -> {
            try {
                adding.add("bob", "pw");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        add.start();
        Thread.sleep(20);
        assertTrue(removing.remove("alice"));
        add.join(10_000);
        assertEquals(List.of("bob"), new PasswordFile(users).users(), "alice stays removed");
    }

    @Test
    void theOperatorsCommentsAndLinesStay() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "# admins of site 2, ticket 4711\nalice:" + PasswordFile.hash("pw", new byte[16], 1000) + "\n\n# carol: on leave\n");
        PasswordFile f = new PasswordFile(users);
        f.add("bob", "pw");
        f.remove("alice");
        String text = Files.readString(users);
        assertTrue(text.startsWith("# admins of site 2, ticket 4711\n"), text);
        assertTrue(text.contains("\n\n# carol: on leave\nbob:"), text);
        assertFalse(text.contains("alice"), text);
    }

    @Test
    void badNamesAndEmptyPasswordsAreRefused() {
        PasswordFile f = new PasswordFile(dir.resolve("users"));
        assertThrows(IllegalArgumentException.class, () -> f.add("has:colon", "pw"));
        assertThrows(IllegalArgumentException.class, () -> f.add("has space", "pw"));
        assertThrows(IllegalArgumentException.class, () -> f.add("alice", ""));
    }
}
