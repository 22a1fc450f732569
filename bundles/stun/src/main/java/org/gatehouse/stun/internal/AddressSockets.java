package org.gatehouse.stun.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sockets a UDP wildcard listener ({@code 0.0.0.0:P}, {@code [::]:P}) also has on each address of
 * this host. A wildcard socket's answers leave from the address the kernel's route picks, not the one
 * the request was sent to, and a connected client socket, a NAT or an ICE agent drops them. Linux
 * hands a datagram to the most specific socket bound to its destination, so with one socket per
 * address every request arrives on, and is answered from, the address it was sent to; the wildcard
 * serves the rest (IPv6 link-local addresses, an address not seen yet, one whose socket could not be
 * opened). An address that goes keeps its socket (it serves again when the address comes back, as a
 * failed-over virtual address does) until the wildcard itself goes.
 */
final class AddressSockets {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    /** Binds one address's sockets (SO_REUSEPORT, one per I/O thread, no probe for another process). */
    interface Binder {
        BoundListener bind(InetSocketAddress address) throws Exception;
    }

    private final Supplier<List<InetAddress>> hostAddresses;
    private final Binder binder;
    /** By wildcard listener key: its per-address sockets. */
    private final Map<String, Map<InetAddress, BoundListener>> open = new HashMap<>();
    /** By wildcard listener key: the addresses whose socket could not be opened, warned about once. */
    private final Map<String, Set<InetAddress>> warned = new HashMap<>();

    AddressSockets(Supplier<List<InetAddress>> hostAddresses, Binder binder) {
        this.hostAddresses = hostAddresses;
        this.binder = binder;
    }

    /**
     * Opens the sockets {@code wildcards} (key to bound wildcard listener) lack on this host's addresses
     * now, except where another listener ({@code taken}) serves address and port; closes those of
     * wildcards no longer there. One enumeration, one bind attempt per address.
     */
    void sync(Map<String, BoundListener> wildcards, Set<InetSocketAddress> taken) {
        for (String key : List.copyOf(open.keySet())) {
            if (!wildcards.containsKey(key)) {
                close(key);
            }
        }
        warned.keySet().retainAll(wildcards.keySet());
        if (wildcards.isEmpty()) {
            return;
        }
        List<InetAddress> addresses = hostAddresses.get();
        for (Map.Entry<String, BoundListener> e : wildcards.entrySet()) {
            String key = e.getKey();
            BoundListener wildcard = e.getValue();
            boolean first = !open.containsKey(key);
            Map<InetAddress, BoundListener> sockets = open.computeIfAbsent(key, k -> new LinkedHashMap<>());
            Set<InetAddress> failed = warned.computeIfAbsent(key, k -> new HashSet<>());
            int port = wildcard.address().getPort();
            List<String> opened = new ArrayList<>();
            for (InetAddress a : addresses) {
                if (sockets.containsKey(a) || !serves(wildcard.address().getAddress(), a)
                        || taken.contains(new InetSocketAddress(a, port))) {
                    continue;
                }
                try {
                    sockets.put(a, binder.bind(new InetSocketAddress(a, port)));
                    failed.remove(a);
                    opened.add(IpAddresses.format(a));
                } catch (Exception ex) {
                    if (failed.add(a)) {
                        LOG.warn("STUN: {}: cannot open a socket on {} ({}); the wildcard answers requests sent to {}, "
                                + "from the address the route picks", wildcard, IpAddresses.format(new InetSocketAddress(a, port)),
                                ListenerMove.rootMessage(ex), IpAddresses.format(a));
                    }
                }
            }
            if (opened.isEmpty()) {
                continue;
            }
            if (first) {
                LOG.info("STUN: {} also listens on each address of this host ({}): answers leave from the address "
                        + "a request was sent to", wildcard, String.join(", ", opened));
            } else {
                LOG.info("STUN: {}: new address{} of this host {} answered from {} own socket{}", wildcard,
                        opened.size() == 1 ? "" : "es", String.join(", ", opened), opened.size() == 1 ? "its" : "their",
                        opened.size() == 1 ? "" : "s");
            }
        }
    }

    /** Whether a wildcard of {@code wildcard}'s family takes requests to {@code a}: [::] takes IPv4 too (Linux dual-stack). */
    private static boolean serves(InetAddress wildcard, InetAddress a) {
        return wildcard instanceof Inet6Address || a instanceof Inet4Address;
    }

    /** The wildcard {@code key} goes: so do its per-address sockets. */
    void close(String key) {
        Map<InetAddress, BoundListener> sockets = open.remove(key);
        warned.remove(key);
        if (sockets != null) {
            sockets.values().forEach(BoundListener::close);
        }
    }

    /** The addresses wildcard {@code key} has a socket on. */
    List<InetAddress> addresses(String key) {
        Map<InetAddress, BoundListener> sockets = open.get(key);
        return sockets == null ? List.of() : List.copyOf(sockets.keySet());
    }

    void closeAll() {
        for (String key : List.copyOf(open.keySet())) {
            close(key);
        }
        warned.clear();
    }

    /**
     * This host's addresses, as the network interfaces list them: IPv4 and IPv6, loopback included,
     * IPv6 link-local left out (a socket on one needs its scope; the wildcard serves them).
     */
    static List<InetAddress> hostAddresses() {
        return IpAddresses.hostAddresses().stream()
                .filter(a -> (!a.isLinkLocalAddress() || a instanceof Inet4Address) && !a.isAnyLocalAddress() && !a.isMulticastAddress())
                .toList();
    }
}
