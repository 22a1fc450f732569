package org.gatehouse.turn.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.core.net.IpAddresses;

/**
 * Where relay sockets bind ({@code relay-ip}) and which address clients are told they are reached at
 * ({@code external-ip}, for a relay behind NAT or a dual-NIC box). Without {@code relay-ip} a relay
 * binds the address the client's request arrived on, or, when that is a wildcard, the host's first
 * global address of the family.
 */
final class RelayAddresses {

    private final List<InetAddress> v4;
    private final List<InetAddress> v6;
    private final boolean configured;
    private final List<TurnSettings.ExternalMapping> external;
    private final AtomicInteger next = new AtomicInteger();

    private RelayAddresses(List<InetAddress> v4, List<InetAddress> v6, boolean configured,
            List<TurnSettings.ExternalMapping> external) {
        this.v4 = v4;
        this.v6 = v6;
        this.configured = configured;
        this.external = external;
    }

    static RelayAddresses of(TurnSettings s) {
        List<InetAddress> relay = s.relayIps();
        boolean configured = !relay.isEmpty();
        if (!configured) {
            relay = hostAddresses();
        }
        List<InetAddress> v4 = new ArrayList<>();
        List<InetAddress> v6 = new ArrayList<>();
        for (InetAddress a : relay) {
            (a instanceof Inet4Address ? v4 : v6).add(a);
        }
        return new RelayAddresses(List.copyOf(v4), List.copyOf(v6), configured, s.externalIps());
    }

    /** First global (else site-local, else loopback) address of each family this host has. */
    private static List<InetAddress> hostAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp()) {
                    all.addAll(Collections.list(nif.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            // No interface list: loopback below.
        }
        List<InetAddress> out = new ArrayList<>();
        for (Class<?> family : List.of(Inet4Address.class, Inet6Address.class)) {
            InetAddress best = null;
            int bestRank = Integer.MAX_VALUE;
            for (InetAddress a : all) {
                if (!family.isInstance(a) || a.isLinkLocalAddress() || a.isMulticastAddress() || a.isAnyLocalAddress()) {
                    continue;
                }
                int rank = a.isLoopbackAddress() ? 2 : a.isSiteLocalAddress() ? 1 : 0;
                if (rank < bestRank) {
                    best = IpAddresses.canonical(a);
                    bestRank = rank;
                }
            }
            if (best != null) {
                out.add(best);
            }
        }
        return out;
    }

    /**
     * The relay-ip addresses no network interface has now, one warning each: relays cannot be bound on
     * them (Allocate gets 508) until one has. Not a refusal: a virtual address (keepalived, a cloud
     * secondary address) comes to this host on failover, and an interface may come up after the
     * server; the component checks again every few seconds.
     */
    static List<String> notOnThisHost(TurnSettings s) {
        List<String> out = new ArrayList<>();
        for (InetAddress a : s.relayIps()) {
            if (!TurnSettings.isLocal(a)) {
                out.add(String.format("%s: relay-ip = '%s' is not an address of this host now (no network interface has it): "
                        + "Allocates that would relay on it get 508 until it is", s.source(), IpAddresses.format(a)));
            }
        }
        return out;
    }

    /**
     * The {@code external-ip} pairs whose private side is no relay address, one line each: those
     * relays would be advertised unmapped, which clients behind the NAT cannot reach, and nothing
     * else would say why. A warning, not a refusal: the rest of the mapping works.
     */
    static List<String> unmatchedExternal(TurnSettings s) {
        List<String> out = new ArrayList<>();
        for (TurnSettings.ExternalMapping m : s.externalIps()) {
            if (m.relay() == null) {
                continue;
            }
            if (s.relayIps().isEmpty() ? !TurnSettings.isLocal(m.relay()) : !s.relayIps().contains(m.relay())) {
                out.add(String.format("%s: external-ip = '%s': %s is not one of the relay addresses (%s), so no relay is "
                        + "advertised at %s; give the private side as %s", s.source(), m, IpAddresses.format(m.relay()),
                        s.relayIps().isEmpty() ? "relay-ip not set: this host's addresses"
                                : "relay-ip = " + String.join(", ", s.relayIps().stream().map(IpAddresses::format).toList()),
                        IpAddresses.format(m.external()), s.relayIps().isEmpty() ? "an address of this host" : "one of relay-ip's"));
            }
        }
        return out;
    }

    /**
     * The address a relay of {@code ipv6} family binds for a request that arrived at {@code local};
     * null when this server has no relay address of that family.
     */
    InetAddress relayFor(boolean ipv6, InetAddress local) {
        InetAddress arrived = local == null ? null : IpAddresses.canonical(local);
        if (!configured && arrived != null && !arrived.isAnyLocalAddress() && (arrived instanceof Inet6Address) == ipv6) {
            return arrived;
        }
        List<InetAddress> list = ipv6 ? v6 : v4;
        if (list.isEmpty()) {
            return null;
        }
        return list.get(Math.floorMod(next.getAndIncrement(), list.size()));
    }

    /** The address clients reach {@code relay} at. */
    InetAddress advertised(InetAddress relay) {
        InetAddress familyWide = null;
        for (TurnSettings.ExternalMapping m : external) {
            if (m.relay() != null && m.relay().equals(relay)) {
                return m.external();
            }
            if (m.relay() == null && familyWide == null && (m.external() instanceof Inet6Address) == (relay instanceof Inet6Address)) {
                familyWide = m.external();
            }
        }
        return familyWide != null ? familyWide : relay;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (InetAddress a : v4) {
            parts.add(IpAddresses.format(a) + (advertised(a).equals(a) ? "" : " (reached at " + IpAddresses.format(advertised(a)) + ")"));
        }
        for (InetAddress a : v6) {
            parts.add(IpAddresses.format(a) + (advertised(a).equals(a) ? "" : " (reached at " + IpAddresses.format(advertised(a)) + ")"));
        }
        // Unconfigured, relayFor takes the address the Allocate arrived at; the list serves a request for
        // the other address family, or one that came through a wildcard socket.
        return configured ? String.join(", ", parts)
                : "the address each Allocate arrived at (relay-ip not set); for the other address family, or through a wildcard socket: "
                        + (parts.isEmpty() ? "none" : String.join(", ", parts));
    }
}
