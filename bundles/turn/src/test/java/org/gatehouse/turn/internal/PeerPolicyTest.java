package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import org.gatehouse.core.net.AddressSet;
import org.junit.jupiter.api.Test;

class PeerPolicyTest {

    private static PeerPolicy.Verdict verdict(PeerPolicy p, String address) throws Exception {
        return p.verdict(InetAddress.getByName(address));
    }

    @Test
    void publicAddressesAreAllowedAndReservedOnesDenied() throws Exception {
        PeerPolicy p = new PeerPolicy(AddressSet.empty(), AddressSet.empty(), false);
        for (String ok : new String[] {"198.51.99.1", "8.8.8.8", "2a00:1450::1", "64:ff9b::808:808"}) {
            assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, ok), ok);
        }
        for (String no : new String[] {"10.0.0.1", "::ffff:192.168.0.1", "2002:c0a8:1::1", "64:ff9b::a00:1", "::a00:1", "::ffff:0:a00:1", "fe80::1"}) {
            assertEquals(PeerPolicy.Verdict.DENIED_RESERVED, verdict(p, no), no);
        }
    }

    @Test
    void allowedWinsOverDeniedAndRestrictedAllowsOnlyTheList() throws Exception {
        AddressSet nodes = AddressSet.parse(List.of("10.40.0.0/24"));
        PeerPolicy p = new PeerPolicy(nodes, AddressSet.parse(List.of("10.0.0.0/8", "8.8.8.0/24")), false);
        assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, "10.40.0.10"));
        assertEquals(PeerPolicy.Verdict.DENIED_CONFIGURED, verdict(p, "8.8.8.8"));
        assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, "::ffff:10.40.0.10"), "mapped form of an allowed node");
        PeerPolicy r = new PeerPolicy(nodes, AddressSet.empty(), true);
        assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(r, "10.40.0.10"));
        assertEquals(PeerPolicy.Verdict.NOT_IN_RESTRICTED_LIST, verdict(r, "8.8.8.8"));
    }

    private static PeerPolicy.Verdict verdict(PeerPolicy p, String address, int port) throws Exception {
        return p.verdict(new InetSocketAddress(InetAddress.getByName(address), port));
    }

    @Test
    void thisHostsOwnAddressesAreReachableAtRelayPortsOnlyInEveryFormUnlessAllowed() throws Exception {
        Set<InetAddress> own = Set.of(InetAddress.getByName("198.51.99.7"));
        // Relays hold 49152 and 65535 (in a range set down to 1024, which holds 3478 and 51820 too).
        IntPredicate held = port -> port == 49152 || port == 65535;
        PeerPolicy p = new PeerPolicy(AddressSet.empty(), AddressSet.empty(), false, own, held);
        for (String form : new String[] {"198.51.99.7", "::ffff:198.51.99.7", "2002:c633:6307::1", "64:ff9b::198.51.99.7"}) {
            assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, form), "a permission (an address, any port): " + form);
            assertEquals(PeerPolicy.Verdict.DENIED_OWN_ADDRESS, verdict(p, form, 3478), "its own STUN listener: " + form);
            assertEquals(PeerPolicy.Verdict.DENIED_OWN_ADDRESS, verdict(p, form, 51820), "a VPN daemon's port, no relay's: " + form);
            assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, form, 49152), "another allocation's relayed address: " + form);
            assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, form, 65535), form);
        }
        assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(p, "198.51.99.8", 3478), "not this host");
        PeerPolicy allowed = new PeerPolicy(AddressSet.parse(List.of("198.51.99.7")), AddressSet.empty(), false, own, held);
        assertEquals(PeerPolicy.Verdict.ALLOWED, verdict(allowed, "198.51.99.7", 3478), "listed in allowed-peer-ip");
        PeerPolicy denied = new PeerPolicy(AddressSet.empty(), AddressSet.parse(List.of("198.51.99.0/24")), false, own, held);
        assertEquals(PeerPolicy.Verdict.DENIED_CONFIGURED, verdict(denied, "198.51.99.7", 50000), "denied-peer-ip still denies");
    }
}
