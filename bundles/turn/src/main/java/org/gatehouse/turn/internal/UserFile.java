package org.gatehouse.turn.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.gatehouse.core.config.AtomicFiles;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.turn.CredentialSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user file ({@code userdb}): lines {@code user:0x<md5(user:realm:password)>[:realm]}, the key
 * as coturn's {@code turnadmin -k} prints it, or {@code user:password[:realm]} in clear (then SHA-256
 * keys work too, where SHA-256 is offered: with the REST secret on). {@code #} starts a comment. The file is re-read when it changes; a file with a bad
 * line is refused whole, with one log line naming the file and line, and the users read before stay.
 */
final class UserFile implements CredentialSource {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.turn");
    private static final HexFormat HEX = HexFormat.of();

    /** One user's credential for one realm (null: whatever realm is configured). */
    record Entry(String user, String realm, byte[] md5Key, String password) {

        byte[] key(String forRealm, int algorithm) {
            if (password != null) {
                return Integrity.longTermKey(user, forRealm, password, algorithm);
            }
            return algorithm == Integrity.ALGORITHM_MD5 ? md5Key : null;
        }

        String line() {
            String secret = password != null ? password : "0x" + HEX.formatHex(md5Key);
            return user + ":" + secret + (realm == null ? "" : ":" + realm);
        }
    }

    private final Path path;
    private volatile Map<String, List<Entry>> users = Map.of();
    /** USERHASH to user name, per realm, built when first asked for that realm. */
    private volatile Map<String, Map<String, String>> hashes = Map.of();
    private FileTime modified;
    private long size = -1;
    private boolean reportedMissing;

    UserFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    int count() {
        return users.size();
    }

    /** The users who can log in in {@code realm}: with a line for it, or a line without realm. */
    int count(String realm) {
        int n = 0;
        for (List<Entry> entries : users.values()) {
            if (entries.stream().anyMatch(e -> e.realm() == null || e.realm().equals(realm))) {
                n++;
            }
        }
        return n;
    }

    /** The lines for realms other than {@code realm}, counted by realm, sorted: they do not apply in it. */
    SortedMap<String, Integer> otherRealms(String realm) {
        SortedMap<String, Integer> out = new TreeMap<>();
        users.values().forEach(entries -> entries.stream().filter(e -> e.realm() != null && !e.realm().equals(realm))
                .forEach(e -> out.merge(e.realm(), 1, Integer::sum)));
        return out;
    }

    /** Re-reads the file if it changed since the last read; false when it was refused. */
    synchronized boolean refresh() {
        FileTime m;
        long s;
        try {
            m = Files.getLastModifiedTime(path);
            s = Files.size(path);
        } catch (NoSuchFileException e) {
            if (!reportedMissing) {
                LOG.info("TURN: no user file {} yet: no long-term users (add them with turn:user-add)", path);
                reportedMissing = true;
            }
            users = Map.of();
            hashes = Map.of();
            modified = null;
            size = -1;
            return true;
        } catch (IOException e) {
            LOG.warn("TURN: cannot read user file {}: {}; keeping the {} users read before", path, e.toString(), users.size());
            return false;
        }
        if (m.equals(modified) && s == size) {
            return true;
        }
        reportedMissing = false;
        try {
            Map<String, List<Entry>> read = parse(Files.readAllLines(path, StandardCharsets.UTF_8));
            boolean first = modified == null;
            users = read;
            hashes = Map.of();
            modified = m;
            size = s;
            if (!first || !read.isEmpty()) {
                LOG.info("TURN: {} user(s) from {}", read.size(), path);
            }
            return true;
        } catch (IllegalArgumentException e) {
            modified = m;
            size = s;
            if (users.isEmpty()) {
                LOG.error("TURN: {}: {}; no user of it is in force", path, e.getMessage());
            } else {
                LOG.error("TURN: {}: {}; keeping the {} users read before", path, e.getMessage(), users.size());
            }
            return false;
        } catch (IOException e) {
            LOG.warn("TURN: cannot read user file {}: {}; keeping the {} users read before", path, e.toString(), users.size());
            return false;
        }
    }

    static Map<String, List<Entry>> parse(List<String> lines) {
        Map<String, List<Entry>> out = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Entry e;
            try {
                e = parseLine(line);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + ex.getMessage());
            }
            List<Entry> list = out.computeIfAbsent(e.user(), k -> new ArrayList<>(1));
            list.removeIf(old -> java.util.Objects.equals(old.realm(), e.realm()));
            list.add(e);
        }
        return out;
    }

    private static Entry parseLine(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected user:0x<key> or user:password, not \"" + line + "\"");
        }
        String user = line.substring(0, colon);
        checkUser(user);
        String rest = line.substring(colon + 1);
        String realm = null;
        String secret = rest;
        int realmColon = rest.indexOf(':');
        if (realmColon >= 0) {
            secret = rest.substring(0, realmColon);
            realm = rest.substring(realmColon + 1).strip();
            if (realm.isEmpty()) {
                throw new IllegalArgumentException("empty realm after the key of user " + user);
            }
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("user " + user + " has an empty password");
        }
        if (secret.startsWith("0x") || secret.startsWith("0X")) {
            String hex = secret.substring(2);
            if (hex.length() != 32) {
                throw new IllegalArgumentException("key of user " + user + " is not 32 hex digits (an MD5 key as turnadmin -k prints it)");
            }
            try {
                return new Entry(user, realm, HEX.parseHex(hex.toLowerCase(Locale.ROOT)), null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key of user " + user + " is not hexadecimal");
            }
        }
        return new Entry(user, realm, null, secret);
    }

    static void checkUser(String user) {
        if (user.isEmpty() || user.length() > 255) {
            throw new IllegalArgumentException("user name must be 1 to 255 characters");
        }
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c == ':' || c == '#' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("user name \"" + user + "\" contains '" + c + "'");
            }
        }
    }

    @Override
    public List<byte[]> keys(String username, String realm, int passwordAlgorithm) {
        List<Entry> entries = users.get(username);
        if (entries == null) {
            return List.of();
        }
        Entry generic = null;
        for (Entry e : entries) {
            if (realm.equals(e.realm())) {
                byte[] k = e.key(realm, passwordAlgorithm);
                return k == null ? List.of() : List.of(k);
            }
            if (e.realm() == null) {
                generic = e;
            }
        }
        byte[] k = generic == null ? null : generic.key(realm, passwordAlgorithm);
        return k == null ? List.of() : List.of(k);
    }

    @Override
    public boolean supportsSha256() {
        return false;
    }

    @Override
    public String userForHash(byte[] userHash, String realm) {
        Map<String, String> byHash = hashes.get(realm);
        if (byHash == null) {
            byHash = new HashMap<>();
            for (String user : users.keySet()) {
                byHash.put(HEX.formatHex(Integrity.userHash(user, realm)), user);
            }
            Map<String, Map<String, String>> next = new HashMap<>(hashes);
            next.put(realm, byHash);
            hashes = next;
        }
        return byHash.get(HEX.formatHex(userHash));
    }

    List<String> names(String configuredRealm) {
        TreeSet<String> out = new TreeSet<>();
        users.forEach((user, entries) -> entries.forEach(e -> out.add(user + "@" + (e.realm() == null ? configuredRealm : e.realm()))));
        return new ArrayList<>(out);
    }

    /** Adds or replaces the key of {@code user} for {@code realm}; writes the file, then reads it back. */
    synchronized void add(String user, String password, String realm, String configuredRealm) throws IOException {
        checkUser(user);
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password must not be empty");
        }
        if (realm.indexOf(':') >= 0 || realm.isBlank()) {
            throw new IllegalArgumentException("realm \"" + realm + "\" must not be empty or contain ':'");
        }
        byte[] key = Integrity.longTermKey(user, realm, password, Integrity.ALGORITHM_MD5);
        // The realm is written even when it is the configured one: the key is made with it, and a line
        // without one would apply to whatever realm is configured later, with a key that cannot match.
        Entry entry = new Entry(user, realm, key, null);
        List<String> lines = existingLines();
        lines.replaceAll(l -> sameEntry(l, user, entry.realm(), configuredRealm) ? null : l);
        lines.add(entry.line());
        write(lines);
    }

    synchronized boolean remove(String user) throws IOException {
        List<String> lines = existingLines();
        boolean removed = false;
        for (int i = 0; i < lines.size(); i++) {
            if (userOf(lines.get(i)).equals(user)) {
                lines.set(i, null);
                removed = true;
            }
        }
        if (removed) {
            write(lines);
        }
        return removed;
    }

    private List<String> existingLines() throws IOException {
        try {
            return new ArrayList<>(Files.readAllLines(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new ArrayList<>(List.of("# TURN long-term credential users: user:0x<md5(user:realm:password)>[:realm]"));
        }
    }

    private static String userOf(String line) {
        String l = line.strip();
        int colon = l.indexOf(':');
        return l.startsWith("#") || colon <= 0 ? "" : l.substring(0, colon);
    }

    private static boolean sameEntry(String line, String user, String realm, String configuredRealm) {
        if (!userOf(line).equals(user)) {
            return false;
        }
        try {
            String r = parseLine(line.strip()).realm();
            // A line without realm is the configured realm's.
            String lineRealm = r == null ? configuredRealm : r;
            String addedRealm = realm == null ? configuredRealm : realm;
            return lineRealm.equals(addedRealm);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /**
     * Writes {@code lines}, the file's lines as read with the ones taken out set to null (and new ones
     * after them), so that a bad line is named by its number in the file as it is, as the log names it.
     */
    private void write(List<String> lines) throws IOException {
        // A file that would be refused as a whole (a bad line elsewhere) is not written: the change
        // would not be in force, and the command would seem to have worked.
        try {
            parse(lines.stream().map(l -> l == null ? "" : l).toList());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage() + "; fix that line first (nothing was changed)");
        }
        StringBuilder text = new StringBuilder();
        lines.stream().filter(Objects::nonNull).forEach(l -> text.append(l).append(System.lineSeparator()));
        Files.createDirectories(path.toAbsolutePath().getParent());
        // Owner-only: the lines hold passwords or keys made from them.
        AtomicFiles.write(path, text, StandardCharsets.UTF_8, AtomicFiles.Option.OWNER_ONLY);
        // The modification time may not change within the file system's granularity: force a re-read.
        modified = null;
        refresh();
    }
}
