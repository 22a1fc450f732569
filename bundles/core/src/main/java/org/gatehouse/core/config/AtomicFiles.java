package org.gatehouse.core.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

/**
 * Writes a file whole or not at all, for the files that something else reads while the server runs:
 * configuration FileInstall polls, certificates, user files, keys {@code bin/client} logs in with. The
 * content goes to a hidden temporary file in the same folder ({@code .<name><random>.tmp}, a name no
 * FileInstall filter takes), which then replaces the file in one step, so a reader finds the old
 * content or the new, never half of it. When the write fails the temporary file is removed and the
 * file stays as it was. The folder must exist.
 */
public final class AtomicFiles {

    /** How {@link AtomicFiles} writes a file; none given: default permissions, atomic replacement or failure. */
    public enum Option {
        /**
         * The file is readable and writable by its owner only ({@code rw-------}) on a file system with
         * POSIX permissions, from the moment it exists; on any other file system its folder's
         * permissions protect it. For keys, password hashes and credentials. Without this option a
         * file gets the file system's default for a new file (on POSIX {@code rw-rw-rw-} less the
         * umask).
         */
        OWNER_ONLY,
        /**
         * Where the file system cannot replace a file in one step ({@link AtomicMoveNotSupportedException}),
         * the file is replaced by a plain move (on some file systems a copy and a delete) instead of
         * the write failing; a reader may then find the file missing or incomplete for a moment.
         */
        NON_ATOMIC_FALLBACK
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /**
     * Replaces the content of {@code file} (or makes the file) with {@code content}, whole or not at all.
     *
     * @throws IOException when it cannot be written; the file is then unchanged
     */
    public static void write(Path link, byte[] content, Option... options) throws IOException {
        Set<Option> chosen = Set.copyOf(Arrays.asList(options));
        Path file = linkedFile(link);
        Path tmp = temporary(file, chosen.contains(Option.OWNER_ONLY));
        try {
            // On disk before the rename: after a power loss the file is the old one or the new one,
            // never empty (XFS, and ext4 without its rename heuristic, may otherwise keep the rename only).
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                out.force(true);
            }
            replace(tmp, file, chosen.contains(Option.NON_ATOMIC_FALLBACK));
            syncFolder(file);
        } catch (Throwable e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
    }

    /**
     * {@link #write(Path, byte[], Option...)} for text, encoded in {@code charset}.
     *
     * @throws CharacterCodingException when {@code charset} cannot encode the text; nothing is written
     */
    public static void write(Path file, CharSequence text, Charset charset, Option... options) throws IOException {
        write(file, encode(text, charset), options);
    }

    /**
     * {@link #write(Path, CharSequence, Charset, Option...)} unless the file already holds exactly that
     * text, so that a file rewritten at every start keeps its modification time (and whoever watches it
     * sees no change).
     *
     * @return whether the file was written
     */
    public static boolean writeIfChanged(Path file, CharSequence text, Charset charset, Option... options) throws IOException {
        byte[] content = encode(text, charset);
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), content)) {
            return false;
        }
        write(file, content, options);
        return true;
    }

    private static byte[] encode(CharSequence text, Charset charset) throws CharacterCodingException {
        // A new encoder reports what it cannot encode instead of writing '?' in its place.
        ByteBuffer b = charset.newEncoder().encode(CharBuffer.wrap(text));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * The file {@code path} names: itself, or the file a symbolic link leads to (through links to
     * links), which is written in its place, as editors write through a link: replacing the link by a
     * file would leave the file the operator linked (a certificate another tool renews, configuration
     * kept elsewhere) no longer read. A link to nothing yet leads to the file it names.
     */
    static Path linkedFile(Path path) throws IOException {
        Path p = path.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) {
                throw new java.nio.file.FileSystemException(path.toString(), null, "too many levels of symbolic links");
            }
            // Relative to the folder the link really is in: ".." in its target is that folder's parent
            // (an etc that is itself a link to /etc/gatehouse), not the parent of the path's spelling.
            p = realFolder(p.getParent()).resolve(Files.readSymbolicLink(p));
        }
        return realFolder(p.getParent()).resolve(p.getFileName());
    }

    private static Path realFolder(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.normalize();
        }
    }

    /** A new empty file beside {@code file}, made with the permissions the written file is to have. */
    private static Path temporary(Path file, boolean ownerOnly) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = ownerOnly && dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        while (true) {
            Path tmp = dir.resolve("." + file.getFileName() + Long.toUnsignedString(RANDOM.nextLong()) + ".tmp");
            try {
                return posix
                        ? Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                        : Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // Another write of the same file chose the same name: take another.
            }
        }
    }

    /** Makes the rename itself durable; where a folder cannot be opened for it (not Linux), the system's own timing stands. */
    private static void syncFolder(Path file) {
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | RuntimeException e) {
            // Written and renamed all the same.
        }
    }

    private static void replace(Path tmp, Path file, boolean nonAtomicFallback) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            if (!nonAtomicFallback) {
                throw e;
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
