package org.gatehouse.turn;

import java.util.List;

/**
 * Where a TURN long-term credential key comes from: the user file, the TURN REST API shared secret,
 * or another directory. The key is what MESSAGE-INTEGRITY is computed with: the digest of
 * {@code username:realm:password}, MD5 or, where the source knows the password, SHA-256.
 */
public interface CredentialSource {

    /**
     * The keys that may be {@code username}'s in {@code realm} with {@code passwordAlgorithm}
     * ({@code 1} MD5, {@code 2} SHA-256, as in PASSWORD-ALGORITHM): usually one, several while shared
     * secrets are being rotated. Empty when this source does not know the user, cannot make that
     * algorithm's key, or the credential has expired.
     */
    List<byte[]> keys(String username, String realm, int passwordAlgorithm);

    /** Whether this source can make SHA-256 keys (the password or its SHA-256 digest is known). */
    boolean supportsSha256();

    /**
     * The user name whose {@code SHA-256(username:realm)} is {@code userHash} (RFC 8489 USERHASH),
     * or null when unknown or when this source cannot invert the hash.
     */
    String userForHash(byte[] userHash, String realm);
}
