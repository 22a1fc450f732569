package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.gatehouse.core.LogGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public key login: any key in the authorized_keys file (read again when it changes), and the local
 * client key of {@code bin/client} when the connection comes from a loopback address of this host.
 *
 * <p>The file is read line by line, as OpenSSH reads it: a line that cannot be read (a key pasted
 * with a line break in it, a key type unknown here) is one WARN line naming the file and the line
 * number, and the other keys still log in. (The library's own reader refused every key of a file
 * with one bad line, saying nothing above DEBUG.) An unreadable file is an ERROR line at most once
 * a minute.
 *
 * <p>A key whose line carries OpenSSH options ({@code command=}, {@code from=}, {@code restrict},
 * {@code expiry-time=}, ...) is refused: the library reads them but applies none, so such a key, meant
 * to be restricted, would get the whole shell. One WARN line per such line says so.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(SshServerComponent.class);
    /** Lines already reported, so a monitor logging in every few seconds does not fill the log. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final Path authorizedKeysFile;
    private final PublicKey localClientKey;
    private final LogGate<Object> unreadable = new LogGate<>(60, 1);
    /** The file as last read: its attributes, and its keys. */
    private volatile Snapshot keys = new Snapshot(null, List.of());

    private record Key(PublicKey key, AuthorizedKeyEntry entry) {
    }

    private record Snapshot(String stamp, List<Key> keys) {
    }

    /** @param localClientKey null when {@code local-client-key = false} */
    KeyAuthenticator(Path authorizedKeysFile, PublicKey localClientKey) {
        this.authorizedKeysFile = authorizedKeysFile;
        this.localClientKey = localClientKey;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        if (localClientKey != null && KeyUtils.compareKeys(localClientKey, key) && isLoopback(session.getClientAddress())) {
            return true;
        }
        for (Key k : current()) {
            if (KeyUtils.compareKeys(k.key(), key)) {
                return allowed(k.entry());
            }
        }
        return false;
    }

    /** A listed key logs in unless its line carries options, which Gatehouse would not apply. */
    private boolean allowed(AuthorizedKeyEntry entry) {
        Map<String, String> options = entry.getLoginOptions();
        if (options == null || options.isEmpty()) {
            return true;
        }
        String line = entry.toString();
        if (reported.size() < 1000 && reported.add(line)) {
            LOG.warn("SSH: {}: the key {} is refused: its options ({}) are not applied by Gatehouse, and without them it would get "
                    + "the whole shell; remove them to let the key in (every login administers "
                    + "everything; management-networks limits where from)", authorizedKeysFile, describe(entry), String.join(", ", options.keySet()));
        }
        return false;
    }

    /** The keys of the file as it is now: read again when its time, size or inode changed. */
    private List<Key> current() {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(authorizedKeysFile, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            keys = new Snapshot(null, List.of());
            return List.of();
        } catch (IOException | RuntimeException e) {
            return unreadable(e);
        }
        String stamp = attrs.lastModifiedTime().toMillis() + "/" + attrs.size() + "/" + attrs.fileKey();
        Snapshot s = keys;
        if (Objects.equals(stamp, s.stamp())) {
            return s.keys();
        }
        List<String> lines;
        try {
            // Bytes that are not UTF-8 (a comment in another charset) replaced, not a reason to refuse every key.
            lines = new String(Files.readAllBytes(authorizedKeysFile), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException | RuntimeException e) {
            return unreadable(e);
        }
        List<Key> read = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
                PublicKey k = entry == null ? null : entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
                if (k != null) {
                    read.add(new Key(k, entry));
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                String what = authorizedKeysFile + " line " + (i + 1);
                if (reported.size() < 1000 && reported.add(what + ": " + line)) {
                    LOG.warn("SSH: {} is not a key this server can read ({}): ignored, the other keys log in", what, e.getMessage());
                }
            }
        }
        keys = new Snapshot(stamp, List.copyOf(read));
        return read;
    }

    /** The file cannot be read (its owner or mode changed): no key logs in; said once a minute. */
    private List<Key> unreadable(Exception e) {
        if (unreadable.due() > 0) {
            LOG.error("SSH: cannot read {}: {}; key logins (but bin/client's) are refused until it can be read", authorizedKeysFile, e.toString());
        }
        return List.of();
    }

    private static String describe(AuthorizedKeyEntry entry) {
        String comment = entry.getComment();
        return entry.getKeyType() + (comment == null || comment.isBlank() ? "" : " " + comment.strip());
    }

    static boolean isLoopback(SocketAddress address) {
        return address instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
