package org.gatehouse.turn.internal;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless nonces: the time they were issued, whether SHA-256 was offered with them, and an HMAC
 * over those and the client's address and port, with a key made at start. Checking one needs no table, so a flood of requests cannot fill memory, and a
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

    /** What a nonce says, once its MAC is checked: {@code genuine} (issued here, to this client), {@code fresh}, and the algorithms it offered. */
    record Check(boolean genuine, boolean fresh, boolean sha256Offered) {
        static final Check FOREIGN = new Check(false, false, false);
    }

    /**
     * A nonce for {@code client} (address and port: RFC 8489 9.2.4 forbids the same nonce for two
     * source addresses or ports), recording whether PASSWORD-ALGORITHMS offered SHA-256 with it.
     */
    String issue(InetSocketAddress client, long nowSeconds, boolean userHash, boolean sha256Offered) {
        String head = (userHash ? PREFIX : PREFIX_NO_USERHASH) + String.format("%08x", nowSeconds & 0xFFFFFFFFL) + (sha256Offered ? 'S' : 'M');
        return head + sign(head, client);
    }

    /** What {@code nonce} says, as issued here to {@code client}, stale after {@code maxAge} seconds. */
    Check check(String nonce, InetSocketAddress client, long nowSeconds, int maxAge) {
        int headLength = PREFIX.length() + STAMP_DIGITS + 1;
        // Either prefix: a nonce issued before the credential sources changed stays good until it is stale.
        if (nonce.length() != headLength + (MAC_BYTES * 4 / 3) || !nonce.startsWith(PREFIX) && !nonce.startsWith(PREFIX_NO_USERHASH)) {
            return Check.FOREIGN;
        }
        String head = nonce.substring(0, headLength);
        long issued;
        try {
            issued = Long.parseLong(head.substring(PREFIX.length(), PREFIX.length() + STAMP_DIGITS), 16);
        } catch (NumberFormatException e) {
            return Check.FOREIGN;
        }
        // The MAC covers the security feature bits and the offer too: a nonce whose bits were changed
        // on the way (USERHASH's bit cleared, say, to have the user name sent in clear) is refused.
        if (!java.security.MessageDigest.isEqual(sign(head, client).getBytes(StandardCharsets.US_ASCII),
                nonce.substring(headLength).getBytes(StandardCharsets.US_ASCII))) {
            return Check.FOREIGN;
        }
        long age = (nowSeconds & 0xFFFFFFFFL) - issued;
        return new Check(true, age >= 0 && age <= maxAge, head.charAt(headLength - 1) == 'S');
    }

    /** Whether {@code nonce} was issued here to {@code client} no more than {@code maxAge} seconds ago. */
    boolean valid(String nonce, InetSocketAddress client, long nowSeconds, int maxAge) {
        Check c = check(nonce, client, nowSeconds, maxAge);
        return c.genuine() && c.fresh();
    }

    /** The MAC of the nonce's cookie, feature bits, time of issue and offer, and the client's address and port. */
    private String sign(String head, InetSocketAddress client) {
        Mac m = mac.get();
        m.update(head.getBytes(StandardCharsets.US_ASCII));
        m.update(client.getAddress().getAddress());
        m.update((byte) (client.getPort() >> 8));
        m.update((byte) client.getPort());
        byte[] full = m.doFinal();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(full, MAC_BYTES));
    }
}
