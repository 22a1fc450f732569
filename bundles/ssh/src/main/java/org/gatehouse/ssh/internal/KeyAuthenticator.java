package org.gatehouse.ssh.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.session.ServerSession;

/**
 * Public key login: any key in the authorized_keys file (read again when it changes), and the local
 * client key of {@code bin/client} when the connection comes from a loopback address of this host.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {

    private final AuthorizedKeysAuthenticator authorizedKeys;
    private final PublicKey localClientKey;

    /** @param localClientKey null when {@code local-client-key = false} */
    KeyAuthenticator(Path authorizedKeysFile, PublicKey localClientKey) {
        this.authorizedKeys = new AuthorizedKeysAuthenticator(authorizedKeysFile);
        this.localClientKey = localClientKey;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        if (localClientKey != null && KeyUtils.compareKeys(localClientKey, key) && isLoopback(session.getClientAddress())) {
            return true;
        }
        return authorizedKeys.authenticate(username, key, session);
    }

    static boolean isLoopback(SocketAddress address) {
        return address instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
