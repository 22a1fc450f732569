package org.gatehouse.auth.ldap.internal;

import java.net.InetAddress;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.gatehouse.core.net.IpAddresses;

/**
 * Failed logins per user name from one client address, and per client address: after
 * {@code failure-limit} failures of one user name from one address within {@code failure-window}
 * seconds that name is answered 429 from that address, and after {@code address-failure-limit}
 * failures of any names (and malformed credentials) the whole address is, without asking the
 * directory, until the window that began with the first failure has passed. Guessing one user's
 * password gets slow, so does trying one password on many users, and a directory's own lockout is not
 * triggered by one noisy client; yet one person with a stale password in a browser does not lock out
 * the colleagues behind the same office address.
 *
 * <p>User names count in lower case without surrounding spaces, as directories match them. An IPv6
 * client counts by its /64, which one host or one site has whole: otherwise a single host could take
 * a fresh address for every guess. At most {@link #MAX_ADDRESSES} windows (addresses and names from
 * them) are tracked. When the table is full, a sweep (at most once a second) removes the windows that
 * have passed and then those with a single failure: an address that keeps failing keeps its count,
 * and filling the table with one failure from each of many addresses only pushes out others like
 * them. A new window that finds the table still full is not tracked until the next sweep.
 */
final class FailureLimiter {

    static final int MAX_ADDRESSES = 100_000;
    private static final long SWEEP_NANOS = 1_000_000_000L;

    private volatile int limit;
    private volatile int addressLimit;
    private volatile long windowNanos;
    private final int maxAddresses;
    /** By address (IPv6: /64), and by {@link UserKey}. */
    private final ConcurrentHashMap<Object, Window> windows = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime() - SWEEP_NANOS;

    private record Window(long start, int failures) {
    }

    private record UserKey(InetAddress address, String user) {
    }

    /**
     * A login under way: it counts as a failure until its answer is in. {@code first}: the one that asks
     * the directory; the others with the same name and password from the address wait for its answer.
     */
    record Attempt(UserKey user, String password, Asked asked, boolean first) {

        /** The first login's answer, once in (null when it had none). */
        CompletableFuture<Object> answer() {
            return asked.answer;
        }
    }

    /** One question to the directory and the logins waiting for its answer (guarded by {@link #underWay}). */
    static final class Asked {
        private int logins = 1;
        private final CompletableFuture<Object> answer = new CompletableFuture<>();
    }

    /**
     * Logins under way by name from an address, by password (its {@link SecretDigest}): the
     * same password sent on several connections at once (a browser's parallel requests) is one guess,
     * asked once. Guarded by itself.
     */
    private final Map<UserKey, Map<String, Asked>> underWay = new HashMap<>();
    private final SecretDigest digest = new SecretDigest();

    FailureLimiter(int limit, int addressLimit, int windowSeconds) {
        this(limit, addressLimit, windowSeconds, MAX_ADDRESSES);
    }

    FailureLimiter(int limit, int addressLimit, int windowSeconds, int maxAddresses) {
        this.limit = limit;
        this.addressLimit = addressLimit;
        this.windowNanos = windowSeconds * 1_000_000_000L;
        this.maxAddresses = maxAddresses;
    }

    /**
     * New limits for the counts kept: an address or name already at the new limit is blocked at once,
     * and a shorter window ends the ones that began long enough ago. Returns this limiter.
     */
    FailureLimiter use(int limit, int addressLimit, int windowSeconds) {
        this.limit = limit;
        this.addressLimit = addressLimit;
        this.windowNanos = windowSeconds * 1_000_000_000L;
        return this;
    }

    private static InetAddress key(InetAddress client) {
        return IpAddresses.clientKey(client, 64);
    }

    private static UserKey key(InetAddress client, String user) {
        return new UserKey(key(client), name(user));
    }

    /**
     * A user name as a directory matches it (RFC 4518's string preparation, near enough): compatibility
     * forms folded (full-width letters), characters it ignores dropped (zero-width, soft hyphen,
     * controls), case folded, runs of spaces one space, none at the ends. Otherwise every spelling of
     * one name had a failure-limit of its own against the same account.
     */
    static String name(String user) {
        String n = Normalizer.normalize(user, Normalizer.Form.NFKC);
        StringBuilder b = new StringBuilder(n.length());
        boolean space = false;
        for (int i = 0; i < n.length(); ) {
            int cp = n.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space = true;
                continue;
            }
            int type = Character.getType(cp);
            if (type == Character.FORMAT || type == Character.CONTROL || cp == 0xAD) {
                continue;
            }
            if (space && b.length() > 0) {
                b.append(' ');
            }
            space = false;
            b.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp)));
        }
        return b.toString();
    }

    /** Seconds until the address may try again (any user name), or 0 when it may now. */
    long blockedSeconds(InetAddress client) {
        return blocked(key(client), addressLimit);
    }

    /** Seconds until {@code user} may be tried again from the address, or 0 when it may now. */
    long blockedSeconds(InetAddress client, String user) {
        return Math.max(blockedSeconds(client), blocked(key(client, user), limit));
    }

    private long blocked(Object key, int max) {
        Window w = windows.get(key);
        if (w == null || w.failures() < max) {
            return 0;
        }
        long left = w.start() + windowNanos - System.nanoTime();
        if (left <= 0) {
            windows.remove(key, w);
            return 0;
        }
        return Math.max(1, left / 1_000_000_000L);
    }

    /**
     * {@code user}'s login from the address is about to go to the directory: refused (null) when the
     * address is held, or when the name's failures counted and its other passwords under way would,
     * all failing, reach failure-limit, since they may (guesses sent at once on many connections would
     * otherwise all reach the directory and its own lockout of the account). Else counted under way
     * until {@link #ended}. A login with the same name and password as one under way is not refused
     * and does not ask the directory: it waits for that one's answer (not {@code first}), else each
     * of the same wrong password sent at once on many connections was a failed bind.
     */
    Attempt begins(InetAddress client, String user, String password) {
        UserKey name = key(client, user);
        // The name as sent is part of the guess: an answer is shared only with the very same login
        // (the directory was not asked whether "ALICE" is "alice").
        String guess = digest.of(user, password);
        synchronized (underWay) {
            Map<String, Asked> passwords = underWay.get(name);
            Asked same = passwords == null ? null : passwords.get(guess);
            if (same != null) {
                same.logins++;
                return new Attempt(name, guess, same, false);
            }
            int others = passwords == null ? 0 : passwords.size();
            if (failures(key(client)) >= addressLimit || failures(name) + others >= limit) {
                return null;
            }
            Asked asked = new Asked();
            underWay.computeIfAbsent(name, k -> new HashMap<>()).put(guess, asked);
            return new Attempt(name, guess, asked, true);
        }
    }

    /**
     * {@code attempt} is over: the first with the directory's {@code answer} (a failure already
     * counted by {@link #failed}), handed to the logins waiting for it; a login asked after this asks
     * again.
     */
    void ended(Attempt attempt, Object answer) {
        Asked asked = attempt.asked();
        synchronized (underWay) {
            asked.logins--;
            Map<String, Asked> passwords = underWay.get(attempt.user());
            if (passwords != null && passwords.get(attempt.password()) == asked && (attempt.first() || asked.logins == 0)) {
                passwords.remove(attempt.password());
                if (passwords.isEmpty()) {
                    underWay.remove(attempt.user());
                }
            }
        }
        if (attempt.first()) {
            asked.answer.complete(answer);
        }
    }

    /** Logins under way now (the first of each password and those waiting for its answer). */
    int underWay() {
        synchronized (underWay) {
            return underWay.values().stream().flatMap(m -> m.values().stream()).mapToInt(a -> a.logins).sum();
        }
    }

    /** Failures counted in the window of {@code key} still running. */
    private int failures(Object key) {
        Window w = windows.get(key);
        return w == null || System.nanoTime() - (w.start() + windowNanos) > 0 ? 0 : w.failures();
    }

    /** A failed login of {@code user} (null: credentials that name nobody, malformed or empty) from the address. */
    void failed(InetAddress client, String user) {
        long now = System.nanoTime();
        count(key(client), now);
        if (user != null) {
            count(key(client, user), now);
        }
    }

    private void count(Object key, long now) {
        if (windows.size() >= maxAddresses && !windows.containsKey(key)) {
            if (now - lastSweep >= SWEEP_NANOS) {
                lastSweep = now;
                windows.values().removeIf(w -> now - (w.start() + windowNanos) > 0);
                if (windows.size() >= maxAddresses) {
                    windows.values().removeIf(w -> w.failures() <= 1);
                }
            }
            if (windows.size() >= maxAddresses) {
                return;
            }
        }
        windows.compute(key, (a, w) -> w == null || now - (w.start() + windowNanos) > 0 ? new Window(now, 1)
                : new Window(w.start(), w.failures() + 1));
    }

    /** Windows (addresses, IPv6 /64 prefixes, and user names from them) tracked now. */
    int tracked() {
        return windows.size();
    }
}
