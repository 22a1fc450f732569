package org.gatehouse.ban.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.core.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed PIN attempts per client address and the bans they led to, fail2ban's way: max-failures
 * within find-time ban the address for ban-time. IPv6 clients are counted per address, or per
 * prefix with {@code ipv6-prefix} below 128.
 *
 * <p>Every request asks {@link #banned}: a lock-free read of a concurrent map, skipped altogether
 * while nobody is banned. Failures are rare (one per wrong PIN) and are counted under the table's
 * lock. Memory is bounded: at most max-tracked addresses with counted failures (the one whose last
 * failure is oldest is forgotten first) and at most max-tracked bans (the one ending first goes).
 */
final class BanTable {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.ban");

    private static final long CAP_WARNING_INTERVAL_MILLIS = 60_000;

    /** A ban in force: the key requests are looked up by, how it is shown, and its span in ticker millis. */
    record Banned(InetAddress key, String address, int failures, long since, long until) {
    }

    private final Ticker ticker;
    private volatile BanSettings settings = BanSettings.DEFAULTS;
    private final ConcurrentHashMap<InetAddress, Banned> bans = new ConcurrentHashMap<>();
    /**
     * In the order of each address's last failure (moved to the end at each failure, not at each look:
     * an attempt let through or answered 200 is no failure), so the quietest is forgotten first and the
     * sweep stops at the first address still in its window. Guarded by this.
     */
    private final LinkedHashMap<InetAddress, Failures> failures = new LinkedHashMap<>();
    /**
     * PIN attempts under way per key: answered, each may be a failure, so they count against
     * max-failures until then. Entries live only while attempts do. Guarded by this.
     */
    private final HashMap<InetAddress, int[]> underWay = new HashMap<>();
    private final LongAdder refused = new LongAdder();
    private long failuresCounted;
    private long bansMade;
    private long forgotten;
    private long lastCapWarning;
    private boolean capWarned;

    BanTable(Ticker ticker) {
        this.ticker = ticker;
    }

    BanSettings settings() {
        return settings;
    }

    /** Applies new settings; bans in force keep their end time. */
    synchronized void apply(BanSettings next) {
        BanSettings previous = settings;
        settings = next;
        if (!next.enabled()) {
            failures.clear();
            for (Banned b : bans.values()) {
                lift(b, "banning is off (enabled = false)");
            }
            return;
        }
        if (next.ipv6Prefix() != previous.ipv6Prefix()) {
            // Keys of the old grouping mean nothing under the new one.
            failures.keySet().removeIf(k -> k instanceof Inet6Address);
            for (Banned b : bans.values()) {
                if (b.key() instanceof Inet6Address) {
                    lift(b, "ipv6-prefix changed to " + next.ipv6Prefix());
                }
            }
        }
        long now = ticker.millis();
        trimFailures(next.maxTracked(), now);
        while (bans.size() > next.maxTracked()) {
            makeRoomForBan(now, next.maxTracked() + 1);
        }
    }

    /** The ban in force on {@code client}, or null. The one lookup every request makes. */
    Banned banned(InetAddress client) {
        if (bans.isEmpty()) {
            return null;
        }
        Banned b = bans.get(IpAddresses.clientKey(client, settings.ipv6Prefix()));
        if (b == null) {
            return null;
        }
        if (b.until() - ticker.millis() > 0) {
            return b;
        }
        expire(b);
        return null;
    }

    /** Whole seconds until {@code b} ends, at least 1: the Retry-After of a 429. */
    long secondsLeft(Banned b) {
        return Math.max(1, (b.until() - ticker.millis() + 999) / 1000);
    }

    void refused() {
        refused.increment();
    }

    /**
     * Counts a failed PIN attempt from {@code client}; the max-failures-th within find-time bans it.
     * Returns the ban it led to, or null.
     */
    Banned failure(InetAddress client) {
        BanSettings s = settings;
        if (!s.enabled()) {
            return null;
        }
        InetAddress key = IpAddresses.clientKey(client, s.ipv6Prefix());
        long now = ticker.millis();
        synchronized (this) {
            Banned current = bans.get(key);
            if (current != null) {
                if (current.until() - now > 0) {
                    // A request that was already past the filter when the ban began.
                    return null;
                }
                expire(current);
            }
            failuresCounted++;
            Failures f = failures.remove(key);
            if (f == null) {
                f = new Failures();
                failures.put(key, f);
                trimFailures(s.maxTracked(), now);
            } else {
                failures.put(key, f);
            }
            int n = f.add(now, s.findTime().toMillis(), s.maxFailures());
            if (n < s.maxFailures()) {
                return null;
            }
            return ban(key, n, now, s);
        }
    }

    /** Bans {@code key} after its {@code n} failures (under this table's lock). */
    private Banned ban(InetAddress key, int n, long now, BanSettings s) {
        failures.remove(key);
        makeRoomForBan(now, s.maxTracked());
        Banned b = new Banned(key, text(key, s.ipv6Prefix()), n, now, now + s.banTime().toMillis());
        bans.put(key, b);
        bansMade++;
        LOG.info("Ban: {} banned for {} s after {} failed PIN attempts within {} s (403 answers to POST .../request_token); "
                + "ban:remove {} lifts it", b.address(), s.banTime().toSeconds(), n, s.findTime().toSeconds(), b.address());
        return b;
    }

    /** A PIN attempt let go to a node: counted under {@code key} until it ends, or not counted (banning off) when that is null. */
    record Attempt(InetAddress key) {
    }

    /** What {@link #attemptBegins} returns for an attempt it lets go without counting it. */
    static final Attempt NOT_COUNTED = new Attempt(null);

    /**
     * A PIN attempt from {@code client} (a token request) is about to go to a node. Returns the attempt,
     * counted until {@link #attemptEnded} ({@link #NOT_COUNTED} when banning is off); null when it must
     * not go: the failures counted within find-time and the attempts already under way
     * reach max-failures, so that attempts sent at once on many connections cannot together pass the
     * limit before their answers are counted.
     */
    Attempt attemptBegins(InetAddress client) {
        BanSettings s = settings;
        if (!s.enabled()) {
            return NOT_COUNTED;
        }
        InetAddress key = IpAddresses.clientKey(client, s.ipv6Prefix());
        long cutoff = ticker.millis() - s.findTime().toMillis();
        synchronized (this) {
            Failures f = failures.get(key);
            int failed = f == null ? 0 : f.countAfter(cutoff);
            if (failed >= s.maxFailures()) {
                // max-failures was lowered below the failures counted: banned now, as the failure
                // that reached it would have; else its attempts were refused for good, no ban made.
                ban(key, failed, ticker.millis(), s);
                return null;
            }
            int[] n = underWay.get(key);
            int counted = failed + (n == null ? 0 : n[0]);
            if (counted >= s.maxFailures()) {
                return null;
            }
            if (n == null) {
                underWay.put(key, new int[] {1});
            } else {
                n[0]++;
            }
            return new Attempt(key);
        }
    }

    /** {@code a}, from {@link #attemptBegins}, has its answer (counted by {@link #failure} first) or was given up. */
    synchronized void attemptEnded(Attempt a) {
        if (a.key() == null) {
            return;
        }
        int[] n = underWay.get(a.key());
        if (n != null && --n[0] <= 0) {
            underWay.remove(a.key());
        }
    }

    /** For tests: the keys with attempts under way. */
    synchronized int attemptsUnderWay() {
        return underWay.values().stream().mapToInt(n -> n[0]).sum();
    }

    /**
     * Lifts the ban on {@code address} and forgets its failures.
     *
     * @throws IllegalArgumentException when it is not an IP address (or {@code address/length})
     */
    boolean remove(String address) {
        String t = address.strip();
        int slash = t.indexOf('/');
        if (slash >= 0 && !t.substring(slash + 1).matches("[0-9]{1,3}")) {
            throw new IllegalArgumentException("'" + address + "' is not an address or address/length");
        }
        InetAddress key = IpAddresses.clientKey(IpAddresses.parse(slash < 0 ? t : t.substring(0, slash)), settings.ipv6Prefix());
        synchronized (this) {
            boolean counted = failures.remove(key) != null;
            Banned b = bans.get(key);
            boolean lifted = b != null && lift(b, "lifted by the operator");
            return counted || lifted;
        }
    }

    /** Ends expired bans and forgets failures older than the find time; called every second. */
    void sweep() {
        long now = ticker.millis();
        if (!bans.isEmpty()) {
            for (Banned b : bans.values()) {
                if (b.until() - now <= 0) {
                    expire(b);
                }
            }
        }
        synchronized (this) {
            long cutoff = now - settings.findTime().toMillis();
            // Oldest last failure first: stop at the first address still within the window.
            for (Iterator<Failures> i = failures.values().iterator(); i.hasNext(); ) {
                if (!i.next().staleAt(cutoff)) {
                    break;
                }
                i.remove();
            }
        }
    }

    /**
     * Lifts the bans on addresses that are {@code exempt} now (they joined the management networks,
     * or the exemption was switched on) and forgets their counted failures: such a ban is no longer
     * enforced, so the list and the count must not show it. A ban on an IPv6 group stays, as the
     * group's other addresses are still refused.
     */
    void liftExempt(Predicate<InetAddress> exempt) {
        int prefix = settings.ipv6Prefix();
        if (!bans.isEmpty()) {
            for (Banned b : bans.values()) {
                if ((prefix == 128 || !(b.key() instanceof Inet6Address)) && exempt.test(b.key())) {
                    lift(b, "it is in the management networks, which are exempt (exempt-management-networks = true)");
                }
            }
        }
        synchronized (this) {
            if (!failures.isEmpty()) {
                failures.keySet().removeIf(k -> (prefix == 128 || !(k instanceof Inet6Address)) && exempt.test(k));
            }
        }
    }

    List<Ban> bans() {
        long now = ticker.millis();
        List<Banned> list = new ArrayList<>();
        for (Banned b : bans.values()) {
            if (b.until() - now > 0) {
                list.add(b);
            }
        }
        list.sort(Comparator.comparingLong(Banned::until));
        List<Ban> out = new ArrayList<>(list.size());
        for (Banned b : list) {
            out.add(new Ban(b.address(), b.failures(), ticker.instant(b.since()), ticker.instant(b.until())));
        }
        return out;
    }

    synchronized List<FailureCount> failures() {
        BanSettings s = settings;
        long cutoff = ticker.millis() - s.findTime().toMillis();
        List<FailureCount> out = new ArrayList<>();
        for (Map.Entry<InetAddress, Failures> e : failures.entrySet()) {
            Failures f = e.getValue();
            int n = f.countAfter(cutoff);
            if (n > 0) {
                out.add(new FailureCount(text(e.getKey(), s.ipv6Prefix()), n, ticker.instant(f.firstAfter(cutoff)),
                        ticker.instant(f.last())));
            }
        }
        out.sort(Comparator.comparingInt(FailureCount::failures).reversed().thenComparing(FailureCount::lastFailure));
        return out;
    }

    synchronized BanStatistics statistics(int banned, int counting) {
        BanSettings s = settings;
        return new BanStatistics(s.enabled(), s.maxFailures(), s.findTime(), s.banTime(), s.exemptManagementNetworks(),
                s.ipv6Prefix(), s.maxTracked(), banned, counting, failuresCounted, bansMade, refused.sum(), forgotten);
    }

    /** Number of bans held (some may have just expired). */
    int banCount() {
        return bans.size();
    }

    synchronized int countingCount() {
        return failures.size();
    }

    private void expire(Banned b) {
        if (bans.remove(b.key(), b)) {
            LOG.info("Ban: {} unbanned: its {} s ban expired", b.address(), (b.until() - b.since()) / 1000);
        }
    }

    private boolean lift(Banned b, String why) {
        if (bans.remove(b.key(), b)) {
            LOG.info("Ban: {} unbanned: {}", b.address(), why);
            return true;
        }
        return false;
    }

    /** Forgets the addresses quiet longest until at most {@code max} are counted. Under the lock. */
    private void trimFailures(int max, long now) {
        if (failures.size() <= max) {
            return;
        }
        Iterator<InetAddress> i = failures.keySet().iterator();
        while (failures.size() > max && i.hasNext()) {
            i.next();
            i.remove();
            forgotten++;
        }
        if (!capWarned || now - lastCapWarning >= CAP_WARNING_INTERVAL_MILLIS) {
            capWarned = true;
            lastCapWarning = now;
            LOG.warn("Ban: failed PIN attempts are counted for {} addresses, the most max-tracked in {} allows; those quiet longest "
                    + "are forgotten ({} so far). Many sources are guessing PINs{}",
                    max, settings.source(), forgotten, settings.ipv6Prefix() > 64 ? "; for IPv6 clients ipv6-prefix = 64 counts each /64 once" : "");
        }
    }

    /** Drops expired bans, then the ones ending first, until a new one fits under {@code max}. Under the lock. */
    private void makeRoomForBan(long now, int max) {
        if (bans.size() < max) {
            return;
        }
        for (Banned b : bans.values()) {
            if (b.until() - now <= 0) {
                expire(b);
            }
        }
        while (bans.size() >= max) {
            Banned first = null;
            for (Banned b : bans.values()) {
                if (first == null || b.until() - first.until() < 0) {
                    first = b;
                }
            }
            if (first == null) {
                return;
            }
            lift(first, "max-tracked bans are in force and it ends first");
        }
    }

    /** How a key is shown: the address, or {@code prefix/length} for a group of IPv6 addresses. */
    static String text(InetAddress key, int ipv6Prefix) {
        String a = IpAddresses.format(key);
        return key instanceof Inet6Address && ipv6Prefix < 128 ? a + "/" + ipv6Prefix : a;
    }
}
