package org.gatehouse.ssh.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.auth.pubkey.AuthorizedKeyEntriesPublickeyAuthenticator;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public key login: any key in the authorized_keys file (read again when it changes), and the local
 * client key of {@code bin/client} when the connection comes from a loopback address of this host.
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
    private final AuthorizedKeysAuthenticator authorizedKeys;
    private final PublicKey localClientKey;

    /** @param localClientKey null when {@code local-client-key = false} */
    KeyAuthenticator(Path authorizedKeysFile, PublicKey localClientKey) {
        this.authorizedKeysFile = authorizedKeysFile;
        this.authorizedKeys = new AuthorizedKeysAuthenticator(authorizedKeysFile);
        this.localClientKey = localClientKey;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        if (localClientKey != null && KeyUtils.compareKeys(localClientKey, key) && isLoopback(session.getClientAddress())) {
            return true;
        }
        if (!authorizedKeys.authenticate(username, key, session)) {
            return false;
        }
        AuthorizedKeyEntry entry = session.getAttribute(AuthorizedKeyEntriesPublickeyAuthenticator.AUTHORIZED_KEY);
        Map<String, String> options = entry == null ? null : entry.getLoginOptions();
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

    private static String describe(AuthorizedKeyEntry entry) {
        String comment = entry.getComment();
        return entry.getKeyType() + (comment == null || comment.isBlank() ? "" : " " + comment.strip());
    }

    static boolean isLoopback(SocketAddress address) {
        return address instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
