package org.gatehouse.auth.ldap.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logins the directory accepted in the last {@code cache-seconds}, so a browser's every request does
 * not cost two LDAP operations. Keyed on HMAC-SHA-256(user, password) under a key made at start and
 * never stored: the password is never kept, and the keys are useless outside this process. Kept across
 * changes of the file that do not change who may log in (the realm, say); each entry is remembered
 * from when the directory accepted it, so a changed {@code cache-seconds} applies to it at once.
 */
final class LoginCache {

    static final int MAX_ENTRIES = 10_000;

    private volatile long ttlNanos;
    private final SecretDigest digest = new SecretDigest();
    /** When the directory accepted each login (System.nanoTime). */
    private final ConcurrentHashMap<String, Long> accepted = new ConcurrentHashMap<>();

    LoginCache(int seconds) {
        lifetime(seconds);
    }

    /** A new {@code cache-seconds}, for the entries already kept too; 0 forgets them all. */
    void lifetime(int seconds) {
        ttlNanos = seconds * 1_000_000_000L;
        if (seconds == 0) {
            accepted.clear();
        }
    }

    private boolean expired(long acceptedAt, long now) {
        return now - acceptedAt >= ttlNanos;
    }

    boolean contains(String user, String password) {
        if (ttlNanos == 0) {
            return false;
        }
        String k = digest.of(user, password);
        Long at = accepted.get(k);
        if (at == null) {
            return false;
        }
        if (expired(at, System.nanoTime())) {
            accepted.remove(k, at);
            return false;
        }
        return true;
    }

    void put(String user, String password) {
        if (ttlNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        if (accepted.size() >= MAX_ENTRIES) {
            accepted.values().removeIf(at -> expired(at, now));
            if (accepted.size() >= MAX_ENTRIES) {
                forgetOldest(now);
            }
        }
        accepted.put(digest.of(user, password), now);
    }

    /**
     * The tenth of the entries accepted longest ago goes (they would expire first): clearing them all
     * sent every user behind the front door to the directory at once, and one user sending logins under
     * many spellings of the same name (which the directory accepts alike) could do that at will.
     */
    private void forgetOldest(long now) {
        List<Map.Entry<String, Long>> byAge = new ArrayList<>(accepted.entrySet());
        byAge.sort(Comparator.comparingLong(e -> now - e.getValue()));
        for (int i = byAge.size() - 1; i >= byAge.size() - MAX_ENTRIES / 10 && i >= 0; i--) {
            accepted.remove(byAge.get(i).getKey(), byAge.get(i).getValue());
        }
    }

    int size() {
        long now = System.nanoTime();
        return (int) accepted.values().stream().filter(at -> !expired(at, now)).count();
    }
}
