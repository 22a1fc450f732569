package org.gatehouse.turn.internal;

import java.net.InetSocketAddress;
import java.util.List;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.turn.CredentialSource;

/**
 * The long-term credential mechanism (RFC 8489 section 9.2) for every TURN request: a request
 * without integrity gets 401 with REALM and NONCE; one with a stale or foreign nonce 438; a wrong
 * user, realm or key 401; a malformed one 400. Both MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256
 * are accepted, with MD5 or SHA-256 password algorithms, and USERHASH in place of USERNAME.
 */
final class Authenticator {

    /** What a request's credentials came to. {@code error} 0 means authenticated, in {@code realm}. */
    record Outcome(int error, String username, byte[] key, boolean sha256, String realm) {
        static final Outcome BAD_REQUEST = new Outcome(ErrorCode.BAD_REQUEST, null, null, false, null);
        static final Outcome UNAUTHENTICATED = new Outcome(ErrorCode.UNAUTHENTICATED, null, null, false, null);
        static final Outcome STALE_NONCE = new Outcome(ErrorCode.STALE_NONCE, null, null, false, null);

        boolean ok() {
            return error == 0;
        }
    }

    /** The credential sources and realm in force; replaced whole when the configuration changes. */
    record Config(String realm, List<CredentialSource> sources, int staleNonce) {

        boolean sha256() {
            for (CredentialSource s : sources) {
                if (s.supportsSha256()) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Whether every source can find a user from its USERHASH: only then do nonces tell clients to
         * use USERHASH (RFC 8489 9.2.5: a client told so MUST). REST API user names carry their expiry
         * and cannot be found from a hash.
         */
        boolean userHash() {
            for (CredentialSource s : sources) {
                if (s instanceof RestSecret) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Nonces nonces = new Nonces();
    private volatile Config config;

    Authenticator(Config config) {
        this.config = config;
    }

    void config(Config c) {
        this.config = c;
    }

    Config config() {
        return config;
    }

    String nonce(InetSocketAddress client, long nowSeconds) {
        Config c = config;
        return nonces.issue(client, nowSeconds, c.userHash(), c.sha256());
    }

    /** PASSWORD-ALGORITHMS as sent in 401 and 438 answers: MD5, and SHA-256 where a source can. */
    static byte[] passwordAlgorithms(boolean sha256) {
        return sha256 ? new byte[] {0, 1, 0, 0, 0, 2, 0, 0} : new byte[] {0, 1, 0, 0};
    }

    /**
     * Checks {@code m}'s credentials in {@code realm}: the configured one, or for a request on an
     * existing allocation the realm it was made in, so that a realm change leaves running
     * allocations refreshing with the credentials they started with.
     */
    Outcome check(StunMessage m, InetSocketAddress client, long nowSeconds, String realmInForce) {
        if (!m.hasIntegrity() && !m.hasIntegritySha256()) {
            return Outcome.UNAUTHENTICATED;
        }
        Config c = config;
        int usernameAt = m.find(Attribute.USERNAME);
        int userHashAt = m.find(Attribute.USERHASH);
        int realmAt = m.find(Attribute.REALM);
        int nonceAt = m.find(Attribute.NONCE);
        if ((usernameAt < 0 && userHashAt < 0) || realmAt < 0 || nonceAt < 0
                || m.valueLength(nonceAt) > 763 || m.valueLength(realmAt) > 763
                || (usernameAt >= 0 && m.valueLength(usernameAt) > 513)
                || (userHashAt >= 0 && m.valueLength(userHashAt) != 32)) {
            return Outcome.BAD_REQUEST;
        }
        // RFC 8489 9.2.4's order: the password algorithms (against what was offered with this nonce),
        // the user, the integrity, and only then the nonce's age.
        Nonces.Check nonce = nonces.check(m.string(nonceAt), client, nowSeconds, c.staleNonce());
        int algorithm = passwordAlgorithm(m, nonce.genuine() ? nonce.sha256Offered() : c.sha256());
        if (algorithm < 0) {
            return Outcome.BAD_REQUEST;
        }
        // Answers are signed with SHA-256 unless the request was taken as MD5 for naming no algorithm.
        boolean sha256Answers = m.find(Attribute.PASSWORD_ALGORITHMS) >= 0;
        String realm = m.string(realmAt);
        if (!realm.equals(realmInForce)) {
            return Outcome.UNAUTHENTICATED;
        }
        String username = usernameAt >= 0 ? m.string(usernameAt) : null;
        for (CredentialSource source : c.sources()) {
            String user = username != null ? username : source.userForHash(m.bytes(userHashAt), realm);
            if (user == null) {
                continue;
            }
            for (byte[] key : source.keys(user, realm, algorithm)) {
                boolean good = m.hasIntegritySha256() ? m.verifyIntegritySha256(key) : m.verifyIntegrity(key);
                if (good) {
                    if (!nonce.genuine() || !nonce.fresh()) {
                        return Outcome.STALE_NONCE;
                    }
                    return new Outcome(0, user, key, sha256Answers, realm);
                }
            }
        }
        return Outcome.UNAUTHENTICATED;
    }

    /**
     * RFC 8489 section 9.2.4: neither PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM means MD5; otherwise
     * both must be there, the list must be the one this server offers (no bidding down) and the choice
     * one of it. -1 for a 400.
     */
    private static int passwordAlgorithm(StunMessage m, boolean sha256Offered) {
        int listAt = m.find(Attribute.PASSWORD_ALGORITHMS);
        int choiceAt = m.find(Attribute.PASSWORD_ALGORITHM);
        if (listAt < 0 && choiceAt < 0) {
            return Integrity.ALGORITHM_MD5;
        }
        if (listAt < 0 || choiceAt < 0 || m.valueLength(choiceAt) < 4) {
            return -1;
        }
        byte[] offered = passwordAlgorithms(sha256Offered);
        if (!java.util.Arrays.equals(offered, m.bytes(listAt))) {
            return -1;
        }
        int choice = m.uint32(choiceAt) >>> 16;
        if (choice == Integrity.ALGORITHM_MD5 || (choice == Integrity.ALGORITHM_SHA256 && sha256Offered)) {
            return choice;
        }
        return -1;
    }
}
