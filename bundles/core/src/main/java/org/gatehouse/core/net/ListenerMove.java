package org.gatehouse.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.gatehouse.core.Listener;

/**
 * Moves a set of listening sockets to the addresses a changed configuration wants, without a moment in
 * which a wanted service has no listener and without giving up one that works for one that cannot be
 * had. New listeners open before the ones they replace close. A new one found in use on the port of
 * one being given up, in the same port space (a port moved from a wildcard to one address, or between
 * two kinds of listener), waits for that one to close and is tried again; if it still fails, the old
 * one is opened again. A new one that fails otherwise (a port another program holds, an address this
 * host does not have) leaves the old listeners of its kind open.
 *
 * <p>Listeners are named by keys of the form {@code "<kind> <address>"}: the kind is what a key has
 * before its first space, or the whole key when it has none.
 */
public final class ListenerMove {

    /** Opens and closes the caller's listeners, which keeps them in its own table. */
    public interface Sockets {
        /** Opens listener {@code key} on {@code address}; throws when it cannot be had. */
        void open(String key, InetSocketAddress address) throws Exception;

        /** Closes listener {@code key}. */
        void close(String key);

        /** Whether listeners of these two keys draw on the same ports (TCP with TCP, UDP with UDP). */
        default boolean samePorts(String key, String other) {
            return true;
        }
    }

    /** A wanted listener that could not be opened, and why. */
    public record Failure(String key, InetSocketAddress address, Exception cause) {
        /** The innermost cause's message, for a log line. */
        public String reason() {
            return rootMessage(cause);
        }

        /**
         * The address and why it could not be opened, as {@code 192.0.2.1:443 (Address already in use)}:
         * how Problems and one-line reports name a listener that could not be had.
         */
        public String describe() {
            return IpAddresses.format(address) + " (" + reason() + ")";
        }
    }

    /** The innermost cause's message (or the cause itself when it has none), for a log line. */
    public static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    /**
     * What came of a move: the listeners that could not be opened (wanted ones, and old ones that could
     * not be opened again), and the old ones kept open instead of a wanted one.
     */
    public record Result(List<Failure> failed, List<String> kept) {

        /**
         * The listeners that could not be opened, in order, as {@code 192.0.2.1:443 (reason), [::]:80 (reason)}
         * (each {@link Failure#describe()}); empty when none failed.
         */
        public String describeFailed() {
            return describeFailed(f -> "");
        }

        /** As {@link #describeFailed()}, each one preceded by {@code label}'s text for it (such as {@code "https-listen "}). */
        public String describeFailed(Function<Failure, String> label) {
            StringJoiner out = new StringJoiner(", ");
            failed.forEach(f -> out.add(label.apply(f) + f.describe()));
            return out.toString();
        }
    }

    private ListenerMove() {
    }

    /**
     * Moves from {@code bound} (key to the address it listens on) to {@code wanted} (key to the
     * configured address); listeners in both are left alone.
     */
    public static Result apply(Map<String, InetSocketAddress> bound, Map<String, InetSocketAddress> wanted, Sockets sockets) {
        Map<String, InetSocketAddress> leaving = new LinkedHashMap<>();
        bound.forEach((k, a) -> {
            if (!wanted.containsKey(k)) {
                leaving.put(k, a);
            }
        });
        Map<String, Exception> failed = openMissing(bound, wanted, sockets);
        // Only a port found in use counts as a clash: an address this host does not have is no reason
        // to close the listener that serves.
        Map<String, InetSocketAddress> clashing = new LinkedHashMap<>();
        leaving.forEach((k, a) -> {
            for (Map.Entry<String, Exception> f : failed.entrySet()) {
                if (clashes(sockets, f.getKey(), wanted.get(f.getKey()), k, a) && addressInUse(f.getValue())) {
                    clashing.put(k, a);
                    return;
                }
            }
        });
        List<String> kept = new ArrayList<>();
        List<Failure> notReopened = new ArrayList<>();
        if (!clashing.isEmpty()) {
            clashing.keySet().forEach(sockets::close);
            List<String> retry = new ArrayList<>();
            failed.forEach((f, ex) -> {
                if (clashing.entrySet().stream().anyMatch(c -> clashes(sockets, f, wanted.get(f), c.getKey(), c.getValue()))) {
                    retry.add(f);
                }
            });
            retry.forEach(failed::remove);
            retry.forEach(k -> open(sockets, k, wanted.get(k), failed));
            // A listener closed for a new one that still cannot be had is opened again.
            clashing.forEach((k, a) -> {
                if (failed.keySet().stream().anyMatch(f -> clashes(sockets, f, wanted.get(f), k, a))) {
                    Map<String, Exception> again = new LinkedHashMap<>();
                    if (open(sockets, k, a, again)) {
                        kept.add(k);
                    } else {
                        notReopened.add(new Failure(k, a, again.get(k)));
                    }
                }
            });
        }
        leaving.keySet().stream().filter(k -> !clashing.containsKey(k)).forEach(k -> keepOrClose(k, failed, kept, sockets));
        List<Failure> failures = failures(failed, wanted);
        failures.addAll(notReopened);
        return new Result(failures, kept);
    }

    /** Opens the {@code wanted} listeners not in {@code bound}; returns those that could not be opened, with why. */
    private static Map<String, Exception> openMissing(Map<String, InetSocketAddress> bound, Map<String, InetSocketAddress> wanted,
            Sockets sockets) {
        Map<String, Exception> failed = new LinkedHashMap<>();
        for (Map.Entry<String, InetSocketAddress> e : wanted.entrySet()) {
            if (!bound.containsKey(e.getKey())) {
                open(sockets, e.getKey(), e.getValue(), failed);
            }
        }
        return failed;
    }

    /** A listener no longer wanted: kept (added to {@code kept}) while one of its kind failed to open, else closed. */
    private static void keepOrClose(String key, Map<String, Exception> failed, List<String> kept, Sockets sockets) {
        if (failed.keySet().stream().anyMatch(f -> kind(f).equals(kind(key)))) {
            kept.add(key);
        } else {
            sockets.close(key);
        }
    }

    private static List<Failure> failures(Map<String, Exception> failed, Map<String, InetSocketAddress> wanted) {
        List<Failure> out = new ArrayList<>();
        failed.forEach((k, ex) -> out.add(new Failure(k, wanted.get(k), ex)));
        return out;
    }

    /**
     * Tries again the {@code wanted} listeners not in {@code bound} (those a move could not open), with the
     * configuration unchanged. Unlike {@link #apply}, it never closes a listener that serves to make room:
     * one that fails again stays failed. A listener in {@code bound} that is not wanted (kept in place of
     * one that could not be opened) closes once no listener of its kind is failing.
     */
    public static Result retry(Map<String, InetSocketAddress> bound, Map<String, InetSocketAddress> wanted, Sockets sockets) {
        Map<String, Exception> failed = openMissing(bound, wanted, sockets);
        List<String> kept = new ArrayList<>();
        List.copyOf(bound.keySet()).stream().filter(k -> !wanted.containsKey(k)).forEach(k -> keepOrClose(k, failed, kept, sockets));
        return new Result(failures(failed, wanted), kept);
    }

    /**
     * 0.0.0.0:P and [::]:P of one kind cannot both be bound on Linux: a [::] socket takes IPv4 too. One
     * per set of listeners, over all its moves: it merges each such pair into one dual-stack [::]:P
     * ({@link #merge}) and, on a host without IPv6, opens 0.0.0.0:P in its place ({@link #sockets}),
     * remembering those so that later moves keep them.
     */
    public static final class DualStack {

        /** IPv4 wildcards open in place of a dual-stack [::] this host could not open. */
        private final Set<String> fallbacks = ConcurrentHashMap.newKeySet();

        /**
         * For each pair in {@code wanted}, removes the one not to open: 0.0.0.0:P, so that one [::]:P
         * serves both, unless 0.0.0.0:P is open in [::]:P's place (a fall-back of {@link #sockets}),
         * which is kept. A 0.0.0.0:P open because it alone was asked for gives way to the pair's
         * [::]:P. Returns the keys of the [::] listeners that stand in for both.
         */
        public Set<String> merge(Map<String, InetSocketAddress> wanted, Set<String> bound) {
            Set<String> merged = new HashSet<>();
            for (Map.Entry<String, InetSocketAddress> e : List.copyOf(wanted.entrySet())) {
                InetSocketAddress a = e.getValue();
                if (!(a.getAddress() instanceof Inet6Address) || !a.getAddress().isAnyLocalAddress()) {
                    continue;
                }
                String v6 = e.getKey();
                String v4 = ipv4WildcardKey(v6, a.getPort());
                if (!wanted.containsKey(v4)) {
                    continue;
                }
                if (bound.contains(v4) && !bound.contains(v6) && fallbacks.contains(v4)) {
                    wanted.remove(v6);
                } else {
                    wanted.remove(v4);
                    merged.add(v6);
                }
            }
            return merged;
        }

        /**
         * {@code sockets}, opening each listener of {@code merged} (as {@link #merge} returned) that
         * cannot be had for another reason than its port in use (no IPv6 on this host) as 0.0.0.0 on
         * its port instead, under that address's key; {@code fellBack} is told so first: the [::] key and
         * a line such as {@code [::]:443 unavailable (reason); opening 0.0.0.0:443 for IPv4}. A port in use (an IPv6
         * listener given up in the same move, say) is no sign of a host without IPv6: that failure is
         * the move's, which closes the old one and tries again.
         */
        public Sockets sockets(Sockets sockets, Set<String> merged, BiConsumer<String, String> fellBack) {
            return new Sockets() {
                @Override
                public void open(String key, InetSocketAddress address) throws Exception {
                    try {
                        sockets.open(key, address);
                    } catch (Exception ex) {
                        if (!merged.contains(key) || addressInUse(ex)) {
                            throw ex;
                        }
                        InetSocketAddress v4 = new InetSocketAddress("0.0.0.0", address.getPort());
                        fellBack.accept(key, IpAddresses.format(address) + " unavailable (" + rootMessage(ex) + "); opening "
                                + IpAddresses.format(v4) + " for IPv4");
                        String v4Key = ipv4WildcardKey(key, address.getPort());
                        sockets.open(v4Key, v4);
                        fallbacks.add(v4Key);
                    }
                }

                @Override
                public void close(String key) {
                    sockets.close(key);
                    fallbacks.remove(key);
                }

                @Override
                public boolean samePorts(String key, String other) {
                    return sockets.samePorts(key, other);
                }
            };
        }

        /** How the log names a listener of {@code merged} when it opens: " (dual-stack: IPv4 too)", else nothing. */
        public static String note(Set<String> merged, String key) {
            return merged.contains(key) ? " (dual-stack: IPv4 too)" : "";
        }

        /** The key of the IPv4 wildcard on {@code port} of {@code key}'s kind. */
        private static String ipv4WildcardKey(String key, int port) {
            return kind(key) + " " + IpAddresses.format(new InetSocketAddress("0.0.0.0", port));
        }
    }

    /** The addresses {@code listening} listen on, by key: what {@link #apply} takes as {@code bound}. */
    public static Map<String, InetSocketAddress> addresses(Map<String, ? extends Listener> listening) {
        Map<String, InetSocketAddress> out = new LinkedHashMap<>();
        listening.forEach((k, l) -> out.put(k, l.address()));
        return out;
    }

    /**
     * Whether closing {@code other} could free the port {@code key} was refused: the same port space
     * and port, and addresses that overlap (the same one, or a wildcard covering the other's). Two
     * listeners on different addresses never hold each other's port: closing one for the other (a
     * UDP listener, whose TURN allocations end with it) would only be undone.
     */
    private static boolean clashes(Sockets sockets, String key, InetSocketAddress address, String other, InetSocketAddress otherAddress) {
        return address.getPort() == otherAddress.getPort() && sockets.samePorts(key, other)
                && overlap(address.getAddress(), otherAddress.getAddress());
    }

    /**
     * Whether listening on {@code a} and on {@code b} (same port) could stand in each other's way: the
     * same address, or a wildcard covering the other's (the IPv4 one IPv4 addresses, the IPv6 one,
     * dual-stack, every address); null counts as overlapping.
     *
     * @since 1.6
     */
    public static boolean overlap(InetAddress a, InetAddress b) {
        if (a == null || b == null) {
            return true;
        }
        InetAddress x = IpAddresses.canonical(a);
        InetAddress y = IpAddresses.canonical(b);
        return x.equals(y) || covers(x, y) || covers(y, x);
    }

    /** Whether wildcard {@code w} covers {@code a}: the IPv4 one IPv4 addresses, the IPv6 one (dual-stack) every address. */
    private static boolean covers(InetAddress w, InetAddress a) {
        return w.isAnyLocalAddress() && (w instanceof Inet6Address || a instanceof Inet4Address);
    }

    /**
     * Whether {@code t}, or a cause of it, says a port is in use (EADDRINUSE), as the JDK and Netty's
     * native transport word it. By its words, not its class: the JDK throws a BindException for an
     * address this host does not have (EADDRNOTAVAIL) or a port it may not take (EACCES) too, and
     * neither is a reason to close a listener that serves.
     */
    public static boolean addressInUse(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static boolean open(Sockets sockets, String key, InetSocketAddress address, Map<String, Exception> failed) {
        try {
            sockets.open(key, address);
            return true;
        } catch (Exception e) {
            failed.put(key, e);
            return false;
        }
    }

    private static String kind(String key) {
        int space = key.indexOf(' ');
        return space < 0 ? key : key.substring(0, space);
    }
}
