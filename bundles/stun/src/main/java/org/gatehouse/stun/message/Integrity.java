package org.gatehouse.stun.message;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keys and HMACs for MESSAGE-INTEGRITY (HMAC-SHA1) and MESSAGE-INTEGRITY-SHA256.
 * Short-term credentials use the password itself as key; long-term credentials use
 * MD5(username ":" realm ":" password) or, with PASSWORD-ALGORITHM SHA-256, SHA-256 of the same.
 */
public final class Integrity {

    /** PASSWORD-ALGORITHM values (RFC 8489 section 18.5). */
    public static final int ALGORITHM_MD5 = 0x0001;
    public static final int ALGORITHM_SHA256 = 0x0002;

    private static final ThreadLocal<Mac> SHA1 = ThreadLocal.withInitial(() -> mac("HmacSHA1"));
    private static final ThreadLocal<Mac> SHA256 = ThreadLocal.withInitial(() -> mac("HmacSHA256"));

    private Integrity() {
    }

    public static byte[] shortTermKey(String password) {
        return password.getBytes(StandardCharsets.UTF_8);
    }

    /** The long-term key, as coturn's {@code turnadmin -k} prints it for MD5. */
    public static byte[] longTermKey(String username, String realm, String password, int algorithm) {
        String text = username + ":" + realm + ":" + password;
        return digest(algorithm == ALGORITHM_SHA256 ? "SHA-256" : "MD5", text.getBytes(StandardCharsets.UTF_8));
    }

    /** USERHASH: SHA-256(username ":" realm) (RFC 8489 section 14.4). */
    public static byte[] userHash(String username, String realm) {
        return digest("SHA-256", (username + ":" + realm).getBytes(StandardCharsets.UTF_8));
    }

    static Mac hmacSha1(byte[] key) {
        return init(SHA1.get(), key, "HmacSHA1");
    }

    static Mac hmacSha256(byte[] key) {
        return init(SHA256.get(), key, "HmacSHA256");
    }

    private static Mac init(Mac mac, byte[] key, String algorithm) {
        // SecretKeySpec refuses an empty key; HMAC pads keys with zeros to the block size, so a
        // single zero byte is the same key.
        byte[] k = key.length == 0 ? new byte[1] : key;
        try {
            mac.init(new SecretKeySpec(k, algorithm));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm, e);
        }
    }

    private static Mac mac(String algorithm) {
        try {
            return Mac.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }
}
