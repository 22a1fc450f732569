package org.gatehouse.turn.internal;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless nonces: the time they were issued and an HMAC over it and the client's address, with a
 * key made at start. Checking one needs no table, so a flood of requests cannot fill memory, and a
 * nonce is worthless from another address. They start with RFC 8489's cookie and the security
 * features offered (password algorithms, user name anonymity).
 */
final class Nonces {

    /** "obMatJos2" then base64 of the 24 feature bits: password algorithms (bit 0) and USERHASH (bit 1). */
    static final String PREFIX = "obMatJos2" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xC0, 0, 0});
    /** The same without user name anonymity: where a source cannot find users from USERHASH. */
    static final String PREFIX_NO_USERHASH = "obMatJos2" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0x80, 0, 0});
    private static final int STAMP_DIGITS = 8;
    private static final int MAC_BYTES = 12;

    private final ThreadLocal<Mac> mac;

    Nonces() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(key, "HmacSHA256"));
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
            }
        });
    }

    String issue(InetAddress client, long nowSeconds, boolean userHash) {
        String head = (userHash ? PREFIX : PREFIX_NO_USERHASH) + String.format("%08x", nowSeconds & 0xFFFFFFFFL);
        return head + sign(head, client);
    }

    /** Whether {@code nonce} was issued here to {@code client} no more than {@code maxAge} seconds ago. */
    boolean valid(String nonce, InetAddress client, long nowSeconds, int maxAge) {
        int expectedLength = PREFIX.length() + STAMP_DIGITS + (MAC_BYTES * 4 / 3);
        // Either prefix: a nonce issued before the credential sources changed stays good until it is stale.
        if (nonce.length() != expectedLength || !nonce.startsWith(PREFIX) && !nonce.startsWith(PREFIX_NO_USERHASH)) {
            return false;
        }
        String head = nonce.substring(0, PREFIX.length() + STAMP_DIGITS);
        String stamp = head.substring(PREFIX.length());
        long issued;
        try {
            issued = Long.parseLong(stamp, 16);
        } catch (NumberFormatException e) {
            return false;
        }
        long age = (nowSeconds & 0xFFFFFFFFL) - issued;
        if (age < 0 || age > maxAge) {
            return false;
        }
        // The MAC covers the security feature bits too: a nonce whose bits were changed on the way
        // (USERHASH's bit cleared, say, to have the user name sent in clear) is refused.
        return java.security.MessageDigest.isEqual(sign(head, client).getBytes(StandardCharsets.US_ASCII),
                nonce.substring(PREFIX.length() + STAMP_DIGITS).getBytes(StandardCharsets.US_ASCII));
    }

    /** The MAC of the nonce's cookie, feature bits and time of issue, and the client's address. */
    private String sign(String head, InetAddress client) {
        Mac m = mac.get();
        m.update(head.getBytes(StandardCharsets.US_ASCII));
        m.update(client.getAddress());
        byte[] full = m.doFinal();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(full, MAC_BYTES));
    }
}
