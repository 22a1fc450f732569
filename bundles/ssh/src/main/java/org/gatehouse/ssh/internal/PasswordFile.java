package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.gatehouse.core.config.AtomicFiles;

/**
 * {@code etc/ssh/users}: one {@code user:pbkdf2-sha256:iterations:salt:hash} line per user (salt and
 * hash base64), {@code #} comments. Only salted, stretched hashes are stored, never a password. The
 * file is read again when it changes, so an operator may also edit it by hand.
 */
final class PasswordFile {

    static final String SCHEME = "pbkdf2-sha256";
    static final int ITERATIONS = 120_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when the user is unknown, so that the answer takes as long as for a known one. */
    private static final String DECOY = hash("decoy", new byte[SALT_BYTES], ITERATIONS);

    private final Path file;
    /**
     * The file as last read: time, size and file key (its inode), so that a file replaced within the
     * file system's time granularity (another instance's ssh:user-remove, a copy with cp -p) is read again.
     */
    private Stamp loadedAt;

    private record Stamp(FileTime modified, long size, Object key) {
        static Stamp of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        }
    }
    private Map<String, String> entries = Map.of();

    PasswordFile(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    boolean verify(String user, String password) throws IOException {
        String entry = current().get(user);
        boolean known = entry != null;
        String[] f = (known ? entry : DECOY).split(":");
        if (f.length != 4 || !f[0].equals(SCHEME)) {
            return false;
        }
        int iterations;
        byte[] salt;
        byte[] expected;
        try {
            iterations = Integer.parseInt(f[1]);
            salt = Base64.getDecoder().decode(f[2]);
            expected = Base64.getDecoder().decode(f[3]);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (iterations < 1 || iterations > 10_000_000) {
            return false;
        }
        byte[] actual = Base64.getDecoder().decode(hash(password, salt, iterations).split(":")[3]);
        return MessageDigest.isEqual(expected, actual) && known;
    }

    synchronized List<String> users() throws IOException {
        return new ArrayList<>(current().keySet());
    }

    /**
     * Adds the user or replaces its password. The hash (a tenth of a second of PBKDF2) is made before
     * the file is read, so that the change applies to the file as it is when written: a removal by
     * another session meanwhile stays.
     */
    void add(String user, String password) throws IOException {
        checkName(user);
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password is empty");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        String entry = hash(password, salt, ITERATIONS);
        synchronized (lock()) {
            edit(user, entry);
        }
    }

    boolean remove(String user) throws IOException {
        synchronized (lock()) {
            return edit(user, null);
        }
    }

    /**
     * One lock per file for every instance (each command, and the listener after a configuration
     * change, holds its own): two sessions' changes never overwrite each other.
     */
    private Object lock() {
        return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new Object());
    }

    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    static void checkName(String user) {
        if (user.isEmpty() || !user.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("'" + user + "' is not a user name (letters, digits, . _ @ -; at most 64)");
        }
    }

    static String hash(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
            byte[] h = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
            return SCHEME + ":" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":" + Base64.getEncoder().encodeToString(h);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    private synchronized Map<String, String> current() throws IOException {
        if (!Files.exists(file)) {
            loadedAt = null;
            entries = Map.of();
            return entries;
        }
        Stamp modified = Stamp.of(file);
        if (!modified.equals(loadedAt)) {
            Map<String, String> read = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String user = userOf(line);
                if (user != null) {
                    read.put(user, line.strip().substring(user.length() + 1));
                }
            }
            entries = read;
            loadedAt = modified;
        }
        return entries;
    }

    /** The user a line of the file is about, or null for a comment or a line without one. */
    private static String userOf(String line) {
        String l = line.strip();
        int colon = l.indexOf(':');
        return l.startsWith("#") || colon <= 0 ? null : l.substring(0, colon);
    }

    /**
     * The file as it is now with {@code user}'s line set to {@code entry} (appended if it has none;
     * null removes it), every other line (comments, other users, lines this code cannot read) kept as
     * the operator wrote it. Returns false, writing nothing, when there was nothing to remove.
     */
    private boolean edit(String user, String entry) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8)
                : List.of("# Gatehouse SSH users: user:" + SCHEME + ":iterations:salt:hash. Written by ssh:user-add;",
                        "# holds salted PBKDF2 hashes only, never a password.");
        StringBuilder text = new StringBuilder();
        boolean found = false;
        for (String line : lines) {
            if (user.equals(userOf(line))) {
                if (!found && entry != null) {
                    text.append(user).append(':').append(entry).append('\n');
                }
                found = true;
                continue;
            }
            text.append(line).append('\n');
        }
        if (!found) {
            if (entry == null) {
                return false;
            }
            text.append(user).append(':').append(entry).append('\n');
        }
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, text, StandardCharsets.UTF_8, AtomicFiles.Option.OWNER_ONLY, AtomicFiles.Option.NON_ATOMIC_FALLBACK);
        return true;
    }
}
