package org.gatehouse.stun.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 5780 groups of the UDP listeners (three extra sockets each), brought in line with
 * {@code alternate-address}. A group is replaced only once its replacement is open: an alternate that
 * cannot be had leaves the working group serving.
 */
final class DiscoveryGroups {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    /** Opens and publishes UDP sockets for the groups (the listener set's). */
    interface Sockets {
        BoundListener bind(InetSocketAddress address) throws InterruptedException;

        void register(BoundListener socket);
    }

    /** The three extra sockets of one group, and the group itself. */
    private record Group(Discovery discovery, List<BoundListener> sockets) {
        void close() {
            discovery.detach();
            sockets.forEach(BoundListener::close);
        }

        InetSocketAddress alternate() {
            return discovery.address(1, 1);
        }
    }

    private final Sockets sockets;
    /** By {@link #key}: the listener's key and the configured alternate. */
    private final Map<String, Group> groups = new LinkedHashMap<>();

    DiscoveryGroups(Sockets sockets) {
        this.sockets = sockets;
    }

    /** {@code "udp 192.0.2.1:3478 alternate 192.0.2.2:3479"}: the group of listener {@code listenerKey} with {@code alternate}. */
    static String key(String listenerKey, InetSocketAddress alternate) {
        return listenerKey + " alternate " + IpAddresses.format(alternate);
    }

    /** Whether group {@code key} is open. */
    boolean has(String key) {
        return groups.containsKey(key);
    }

    /** Closes the groups of listeners not in {@code listenerKeys}: they go with their listener. */
    void closeWhereListenerGoes(Collection<String> listenerKeys) {
        groups.entrySet().removeIf(e -> {
            if (!listenerKeys.contains(listenerKey(e.getKey()))) {
                off(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
    }

    /**
     * Opens the {@code wanted} groups (by key: the listener's address and the alternate) whose listener
     * is {@code bound}, and closes those no longer wanted unless one stands in for a replacement that
     * could not be opened; adds a line to {@code problems} for each group that could not be opened,
     * and logs it unless {@code again} (a retry of one that failed before, logged then).
     */
    void apply(String source, Map<String, InetSocketAddress[]> wanted, Map<String, BoundListener> bound, List<String> problems,
            boolean again) {
        for (Map.Entry<String, InetSocketAddress[]> e : wanted.entrySet()) {
            BoundListener primary = bound.get(listenerKey(e.getKey()));
            if (!groups.containsKey(e.getKey()) && primary != null) {
                replace(source, e.getKey(), primary, e.getValue()[1], problems, again);
            }
        }
        groups.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey()) && wanted.keySet().stream().noneMatch(w -> sameListener(w, e.getKey()))) {
                off(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
    }

    /**
     * Opens group {@code key} for {@code primary} with {@code alternate}; the listener's group in
     * force, if any, closes once the new one is open. When the new sockets need addresses the old
     * group holds (only the alternate port changed, say), the old one closes first and opens again if
     * the new one still fails.
     */
    private void replace(String source, String key, BoundListener primary, InetSocketAddress alternate, List<String> problems,
            boolean retry) {
        String oldKey = groups.keySet().stream().filter(k -> sameListener(k, key)).findFirst().orElse(null);
        Group old = oldKey == null ? null : groups.get(oldKey);
        Group group = null;
        Exception failure = null;
        try {
            group = open(primary, alternate);
        } catch (Exception ex) {
            failure = ex;
        }
        // A retry leaves the group in force alone: closing it to try again would stop its answers
        // every 10 s while the other program keeps the port.
        if (group == null && old != null && !retry && ListenerMove.addressInUse(failure)) {
            groups.remove(oldKey);
            old.close();
            InetSocketAddress oldAlternate = old.alternate();
            try {
                group = open(primary, alternate);
            } catch (Exception ex) {
                failure = ex;
                try {
                    old = open(primary, oldAlternate);
                    groups.put(oldKey, old);
                } catch (Exception again) {
                    LOG.info("STUN behaviour discovery (RFC 5780) off for {}: cannot open it again: {}", oldKey, ListenerMove.rootMessage(again));
                    old = null;
                }
            }
        }
        if (group != null) {
            if (old != null) {
                if (groups.remove(oldKey) != null) {
                    old.close();
                }
                LOG.info("STUN behaviour discovery (RFC 5780) off for {}", oldKey);
            }
            groups.put(key, group);
            LOG.info("STUN behaviour discovery (RFC 5780) on for {} with alternate {}", primary, IpAddresses.format(group.alternate()));
            return;
        }
        String what = source + ": alternate-address: cannot open the RFC 5780 sockets for " + primary + " with "
                + IpAddresses.format(alternate);
        String meanwhile = old == null ? "behaviour discovery stays off there"
                : "behaviour discovery goes on there with the previous alternate " + IpAddresses.format(old.alternate());
        if (!retry) {
            LOG.error("{}: {}; {}", what, ListenerMove.rootMessage(failure), meanwhile);
        }
        problems.add(what + " (" + ListenerMove.rootMessage(failure) + "); " + meanwhile);
    }

    /** Binds (primary IP, alternate port), (alternate IP, primary port) and (alternate IP, alternate port). */
    private Group open(BoundListener primary, InetSocketAddress alternate) throws InterruptedException {
        List<BoundListener> opened = new ArrayList<>();
        try {
            InetSocketAddress p = primary.address();
            BoundListener primaryIpAltPort = sockets.bind(new InetSocketAddress(p.getAddress(), alternate.getPort()));
            opened.add(primaryIpAltPort);
            int altPort = primaryIpAltPort.address().getPort();
            BoundListener altIpPrimaryPort = sockets.bind(new InetSocketAddress(alternate.getAddress(), p.getPort()));
            opened.add(altIpPrimaryPort);
            BoundListener altIpAltPort = sockets.bind(new InetSocketAddress(alternate.getAddress(), altPort));
            opened.add(altIpAltPort);
            Discovery d = new Discovery(p, altIpAltPort.address(), primary.handlers(), primaryIpAltPort.handlers().get(0),
                    altIpPrimaryPort.handlers().get(0), altIpAltPort.handlers().get(0));
            opened.forEach(sockets::register);
            d.attach();
            return new Group(d, opened);
        } catch (Exception e) {
            opened.forEach(BoundListener::close);
            throw e;
        }
    }

    private static void off(String key, Group group) {
        group.close();
        LOG.info("STUN behaviour discovery (RFC 5780) off for {}", key);
    }

    List<BoundListener> sockets() {
        List<BoundListener> all = new ArrayList<>();
        groups.values().forEach(g -> all.addAll(g.sockets()));
        return all;
    }

    void closeAll() {
        groups.values().forEach(Group::close);
        groups.clear();
    }

    /** The key of the listener a group belongs to: {@code "udp 192.0.2.1:3478"} of {@code "udp 192.0.2.1:3478 alternate ..."}. */
    private static String listenerKey(String groupKey) {
        return groupKey.substring(0, groupKey.indexOf(" alternate "));
    }

    private static boolean sameListener(String groupKey, String other) {
        return listenerKey(groupKey).equals(listenerKey(other));
    }
}
