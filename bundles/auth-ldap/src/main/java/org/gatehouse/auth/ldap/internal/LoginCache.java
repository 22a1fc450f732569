package org.gatehouse.auth.ldap.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Logins the directory accepted in the last {@code cache-seconds}, so a browser's every request does
 * not cost two LDAP operations. Keyed on HMAC-SHA-256(user, password) under a key made at start and
 * never stored: the password is never kept, and the keys are useless outside this process.
 */
final class LoginCache {

    static final int MAX_ENTRIES = 10_000;

    private final long ttlNanos;
    private final byte[] key = new byte[32];
    private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();

    LoginCache(int seconds) {
        this.ttlNanos = seconds * 1_000_000_000L;
        new SecureRandom().nextBytes(key);
    }

    boolean contains(String user, String password) {
        if (ttlNanos == 0) {
            return false;
        }
        String k = digest(user, password);
        Long expiry = expiries.get(k);
        if (expiry == null) {
            return false;
        }
        if (System.nanoTime() - expiry > 0) {
            expiries.remove(k, expiry);
            return false;
        }
        return true;
    }

    void put(String user, String password) {
        if (ttlNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        if (expiries.size() >= MAX_ENTRIES) {
            expiries.values().removeIf(e -> now - e > 0);
            if (expiries.size() >= MAX_ENTRIES) {
                expiries.clear();
            }
        }
        expiries.put(digest(user, password), now + ttlNanos);
    }

    int size() {
        long now = System.nanoTime();
        return (int) expiries.values().stream().filter(e -> now - e <= 0).count();
    }

    private String digest(String user, String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(user.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(password.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
