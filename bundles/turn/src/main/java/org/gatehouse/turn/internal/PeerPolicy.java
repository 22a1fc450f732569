package org.gatehouse.turn.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;

/**
 * Which peers a client may open permissions and channels to. The relay sits in the DMZ with a leg in
 * the private network, so by default it refuses every address that is not a public unicast address:
 * private, loopback, link-local, multicast, broadcast and reserved ranges, also when written in an
 * IPv6 form that carries such an IPv4 address (mapped, translated, compatible, 6to4, NAT64). {@code allowed-peer-ip}
 * opens ranges (the conferencing nodes); {@code denied-peer-ip} closes more; an address in both is
 * allowed, as in coturn. In restricted mode only {@code allowed-peer-ip} is reachable.
 *
 * <p>An address of this host (any interface's, the relay addresses, the external-ip public addresses a
 * NAT may send back here) is reachable only at a port a relay of this server holds unless
 * {@code allowed-peer-ip} holds it: there it is another allocation's relayed address (two clients of
 * this server relaying to each other, as with TURN over TCP/443 on both sides of a call), while at any
 * other port a relay socket would reach this host's own UDP services (the STUN/TURN listener, a DNS,
 * SNMP or VPN daemon) from one of its own addresses, past a firewall that trusts those. Held, not
 * merely in the relay range: a range may be set to hold the listener's port or another daemon's
 * (min-port may go down to 1024), and a port another program has bound is never held by a relay.
 * Permissions, which name an address and no port, are granted for it; a channel to another port is
 * refused (403), and a Send indication to one is dropped.
 */
final class PeerPolicy {

    /** RFC 6890 special-purpose and non-unicast ranges. */
    static final AddressSet RESERVED = AddressSet.parse(List.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
            "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
            "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"));

    enum Verdict { ALLOWED, DENIED_RESERVED, DENIED_CONFIGURED, DENIED_OWN_ADDRESS, NOT_IN_RESTRICTED_LIST }

    private final AddressSet allowed;
    private final AddressSet denied;
    private final boolean restricted;
    /** This host's addresses, canonical. */
    private final Set<InetAddress> own;
    /** Whether a relay of this server holds a port (as it is now): where this host's addresses are reachable. */
    private final IntPredicate relayPort;

    PeerPolicy(AddressSet allowed, AddressSet denied, boolean restricted) {
        this(allowed, denied, restricted, Set.of(), port -> true);
    }

    PeerPolicy(AddressSet allowed, AddressSet denied, boolean restricted, Set<InetAddress> own, IntPredicate relayPort) {
        this.allowed = allowed;
        this.denied = denied;
        this.restricted = restricted;
        this.own = Set.copyOf(own);
        this.relayPort = relayPort;
    }

    static PeerPolicy of(TurnSettings s, IntPredicate relayPort) {
        return new PeerPolicy(s.allowedPeers(), s.deniedPeers(), s.restricted(), ownAddresses(s), relayPort);
    }

    /** Whether {@code address} is one of this host's (its interfaces, relay-ip, external-ip) as last looked up. */
    boolean isOwnAddress(InetAddress address) {
        return own.contains(address);
    }

    /** The same policy with this host's addresses as they are now (interfaces come and go); this one when they are the same. */
    PeerPolicy withOwnAddresses(TurnSettings s) {
        Set<InetAddress> now = ownAddresses(s);
        return now.equals(own) ? this : new PeerPolicy(allowed, denied, restricted, now, relayPort);
    }

    /** Every address of this host's interfaces, the relay addresses and the external-ip public addresses. */
    static Set<InetAddress> ownAddresses(TurnSettings s) {
        Set<InetAddress> out = new HashSet<>(IpAddresses.hostAddresses());
        for (InetAddress a : s.relayIps()) {
            out.add(IpAddresses.canonical(a));
        }
        for (TurnSettings.ExternalMapping m : s.externalIps()) {
            out.add(IpAddresses.canonical(m.external()));
        }
        return out;
    }

    /** Whether a permission may name {@code peer} (an address, any port). */
    boolean permits(InetAddress peer) {
        return verdict(peer) == Verdict.ALLOWED;
    }

    /** Whether a channel or a Send indication may reach {@code peer}: its address, and its port when it is this host's. */
    boolean permits(InetSocketAddress peer) {
        return verdict(peer) == Verdict.ALLOWED;
    }

    Verdict verdict(InetSocketAddress peer) {
        Verdict v = verdict(peer.getAddress());
        return v != Verdict.ALLOWED ? v : ownService(peer) ? Verdict.DENIED_OWN_ADDRESS : Verdict.ALLOWED;
    }

    /** Whether {@code address} is one of this host's (or carries one in a transition form). */
    boolean ownAddress(InetAddress address) {
        return ownForm(IpAddresses.canonical(address)) != null;
    }

    /** This host's address that canonical {@code address} is or carries (IPv4 in a transition form), or null. */
    private InetAddress ownForm(InetAddress address) {
        if (own.contains(address)) {
            return address;
        }
        Optional<Inet4Address> embedded = IpAddresses.embeddedIpv4(address);
        return embedded.isPresent() && own.contains(embedded.get()) ? embedded.get() : null;
    }

    /**
     * Whether {@code peer} is this host's address at a port no relay of this server holds, not opened
     * by allowed-peer-ip: a Send indication's check, whose address a permission already admitted (the
     * relay ports are asked only for this host's addresses, never for a peer elsewhere).
     */
    boolean ownService(InetSocketAddress peer) {
        InetAddress address = IpAddresses.canonical(peer.getAddress());
        InetAddress ownAddress = ownForm(address);
        return ownAddress != null && !allowed.contains(address) && !allowed.contains(ownAddress) && !relayPort.test(peer.getPort());
    }

    Verdict verdict(InetAddress peer) {
        InetAddress address = IpAddresses.canonical(peer);
        if (allowed.contains(address)) {
            return Verdict.ALLOWED;
        }
        if (restricted) {
            return Verdict.NOT_IN_RESTRICTED_LIST;
        }
        Verdict own = single(address);
        if (own != Verdict.ALLOWED) {
            return own;
        }
        // 6to4, NAT64 and the other transition forms reach the IPv4 address they carry: judge that too.
        Optional<Inet4Address> embedded = IpAddresses.embeddedIpv4(address);
        if (embedded.isPresent() && embedded.get() != address && !allowed.contains(embedded.get())) {
            return single(embedded.get());
        }
        return Verdict.ALLOWED;
    }

    private Verdict single(InetAddress address) {
        if (denied.contains(address)) {
            return Verdict.DENIED_CONFIGURED;
        }
        if (RESERVED.contains(address)) {
            return Verdict.DENIED_RESERVED;
        }
        return Verdict.ALLOWED;
    }
}
