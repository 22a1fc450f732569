package org.gatehouse.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.gatehouse.core.config.AtomicFiles.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void replacesTheContentAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("users");
        AtomicFiles.write(f, "first, and longer than the second\n", StandardCharsets.UTF_8);
        AtomicFiles.write(f, "caf\u00e9\n", StandardCharsets.UTF_8);
        assertEquals("caf\u00e9\n", Files.readString(f, StandardCharsets.UTF_8));
        AtomicFiles.write(f, new byte[] {1, 2, 3}, Option.OWNER_ONLY, Option.NON_ATOMIC_FALLBACK);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of(f), files(dir));
    }

    /**
     * A relative link in a folder reached through a link: its ".." is taken from the folder it really
     * is in, as the kernel takes it (etc linked to /etc/gatehouse, a file there linked to
     * ../gatehouse-secrets/x.cfg).
     */
    @Test
    void aRelativeLinkInALinkedFolderLeadsWhereTheKernelSays(@TempDir Path dir) throws Exception {
        Path realEtc = Files.createDirectories(dir.resolve("real/etc"));
        Path secrets = Files.createDirectories(dir.resolve("real/secrets"));
        Files.writeString(secrets.resolve("x.cfg"), "old\n");
        Path root = Files.createDirectories(dir.resolve("root"));
        Path etc = Files.createSymbolicLink(root.resolve("etc"), Path.of("../real/etc"));
        Files.createSymbolicLink(realEtc.resolve("x.cfg"), Path.of("../secrets/x.cfg"));
        AtomicFiles.write(etc.resolve("x.cfg"), "new\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("new\n", Files.readString(secrets.resolve("x.cfg")));
        assertTrue(Files.isSymbolicLink(realEtc.resolve("x.cfg")), "the link stays");
    }

    /** A link stays a link: the file it leads to is written, as an editor writes through it. */
    @Test
    void writesThroughASymbolicLink(@TempDir Path dir) throws Exception {
        Path kept = Files.createDirectories(dir.resolve("elsewhere"));
        Path target = Files.writeString(kept.resolve("server.pem"), "old\n");
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path link = Files.createSymbolicLink(etc.resolve("server.pem"), Path.of("../elsewhere/server.pem"));
        Path second = Files.createSymbolicLink(etc.resolve("tls.pem"), Path.of("server.pem"));
        AtomicFiles.write(second, "new\n", StandardCharsets.UTF_8, Option.OWNER_ONLY);
        assertTrue(Files.isSymbolicLink(link) && Files.isSymbolicLink(second), "the links stay");
        assertEquals("new\n", Files.readString(target));
        assertEquals(List.of(link, second), files(etc), "nothing left beside the links");
        Path dangling = Files.createSymbolicLink(etc.resolve("users"), Path.of("../elsewhere/users"));
        AtomicFiles.write(dangling, "made\n", StandardCharsets.UTF_8);
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("made\n", Files.readString(kept.resolve("users")));
    }

    @Test
    void aFailedWriteLeavesTheFileAsItWasAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        // A folder in the file's place cannot be replaced by a file.
        Path f = dir.resolve("x.cfg");
        Files.createDirectories(f.resolve("inside"));
        assertThrows(IOException.class, () -> AtomicFiles.write(f, "a = 1\n", StandardCharsets.ISO_8859_1));
        assertTrue(Files.isDirectory(f.resolve("inside")));
        assertEquals(List.of(f), files(dir));

        Path g = dir.resolve("y.cfg");
        Files.writeString(g, "a = 1\n");
        assertThrows(CharacterCodingException.class, () -> AtomicFiles.write(g, "a = \u2603\n", StandardCharsets.ISO_8859_1),
                "what the charset cannot encode is refused, not written as '?'");
        assertEquals("a = 1\n", Files.readString(g));
        assertEquals(List.of(f, g), files(dir));
    }

    @Test
    void ownerOnlyWhereAskedAndTheFileSystemsDefaultOtherwise(@TempDir Path dir) throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path secret = dir.resolve("host-key");
        Files.writeString(secret, "old");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        AtomicFiles.write(secret, "new", StandardCharsets.UTF_8, Option.OWNER_ONLY);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));

        // Without the option a file gets what any new file gets here (the umask decides), not rw-------.
        Path reference = Files.createFile(dir.resolve("reference"));
        Path open = dir.resolve("known_hosts");
        AtomicFiles.write(open, "gatehouse ecdsa-sha2-nistp256 AAAA\n", StandardCharsets.UTF_8);
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(open));
    }

    @Test
    void writesOnlyWhatChanged(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("listening");
        assertTrue(AtomicFiles.writeIfChanged(f, "127.0.0.1:8101\n", StandardCharsets.UTF_8));
        Object before = Files.readAttributes(f, BasicFileAttributes.class).fileKey();
        assertFalse(AtomicFiles.writeIfChanged(f, "127.0.0.1:8101\n", StandardCharsets.UTF_8));
        assertEquals(before, Files.readAttributes(f, BasicFileAttributes.class).fileKey(), "the same file, not a replacement");
        assertTrue(AtomicFiles.writeIfChanged(f, "127.0.0.1:8102\n", StandardCharsets.UTF_8));
        assertEquals("127.0.0.1:8102\n", Files.readString(f));
        assertEquals(List.of(f), files(dir));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
