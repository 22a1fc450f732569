package org.gatehouse.turn.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;

/**
 * Which peers a client may open permissions and channels to. The relay sits in the DMZ with a leg in
 * the private network, so by default it refuses every address that is not a public unicast address:
 * private, loopback, link-local, multicast, broadcast and reserved ranges, also when written in an
 * IPv6 form that carries such an IPv4 address (mapped, compatible, 6to4, NAT64). {@code allowed-peer-ip}
 * opens ranges (the conferencing nodes); {@code denied-peer-ip} closes more; an address in both is
 * allowed, as in coturn. In restricted mode only {@code allowed-peer-ip} is reachable.
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

    enum Verdict { ALLOWED, DENIED_RESERVED, DENIED_CONFIGURED, NOT_IN_RESTRICTED_LIST }

    private final AddressSet allowed;
    private final AddressSet denied;
    private final boolean restricted;

    PeerPolicy(AddressSet allowed, AddressSet denied, boolean restricted) {
        this.allowed = allowed;
        this.denied = denied;
        this.restricted = restricted;
    }

    static PeerPolicy of(TurnSettings s) {
        return new PeerPolicy(s.allowedPeers(), s.deniedPeers(), s.restricted());
    }

    boolean permits(InetAddress peer) {
        return verdict(peer) == Verdict.ALLOWED;
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
