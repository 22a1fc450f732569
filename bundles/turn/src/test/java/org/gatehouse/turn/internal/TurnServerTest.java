package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ChannelData;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;
import org.gatehouse.turn.AllocationInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TURN methods against the real responder on loopback, answers checked byte by byte where it matters. */
class TurnServerTest {

    private TestTurn turn;

    @BeforeEach
    void start() throws Exception {
        turn = new TestTurn();
    }

    @AfterEach
    void stop() throws Exception {
        turn.close();
    }

    @Test
    void allocateWithoutCredentialsGets401WithRealmNonceAndPasswordAlgorithms() throws Exception {
        try (TurnClient c = turn.client()) {
            StunMessage m = c.exchange(c.request(Method.ALLOCATE, TurnClient.newTransaction(), false,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            assertEquals(401, TurnClient.code(m));
            assertEquals(TestTurn.REALM, m.string(m.find(Attribute.REALM)));
            assertTrue(m.string(m.find(Attribute.NONCE)).startsWith("obMatJos2"));
            assertTrue(m.has(Attribute.PASSWORD_ALGORITHMS));
            assertFalse(m.hasIntegrity(), "an unauthenticated answer carries no integrity");
            assertEquals(0, turn.turn.statistics().allocations());
        }
    }

    /** A method TURN does not serve is the responder's 400, not a 401 that asks for credentials. */
    @Test
    void unknownMethodsGet400WithoutRealmOrNonce() throws Exception {
        try (TurnClient c = turn.client()) {
            for (int method : new int[] {0x00D, 0xAAC}) {
                StunMessage m = c.exchange(c.request(method, TurnClient.newTransaction(), false, w -> { }));
                assertEquals(400, TurnClient.code(m), Method.name(method));
                assertEquals(method, m.method());
                assertEquals(-1, m.find(Attribute.REALM));
                assertEquals(-1, m.find(Attribute.NONCE));
            }
        }
    }

    @Test
    void wrongPasswordGets401AndNoAllocation() throws Exception {
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials("alice", "wrong")) {
            assertEquals(401, TurnClient.code(c.allocate()));
            assertEquals(0, turn.turn.statistics().allocations());
            assertEquals(1, turn.turn.statistics().authFailures());
        }
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials("mallory", "secret")) {
            assertEquals(401, TurnClient.code(c.allocate()));
        }
    }

    @Test
    void staleNonceGets438AndANewNonceWhichWorks() throws Exception {
        try (TurnClient c = turn.client()) {
            c.realm = TestTurn.REALM;
            c.nonce = turn.turn.server().authenticator.nonce(c.local(), System.currentTimeMillis() / 1000 - 3600);
            StunMessage m = c.exchange(c.request(Method.ALLOCATE, TurnClient.newTransaction(), true,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            assertEquals(438, TurnClient.code(m));
            String fresh = m.string(m.find(Attribute.NONCE));
            assertNotEquals(c.nonce, fresh);
            assertEquals(0, TurnClient.code(c.allocate()), "the client retries with the new nonce");
        }
    }

    @Test
    void nonceFromAnotherAddressIsStale() throws Exception {
        try (TurnClient c = turn.client()) {
            c.realm = TestTurn.REALM;
            c.nonce = turn.turn.server().authenticator.nonce(new InetSocketAddress("192.0.2.1", c.local().getPort()), System.currentTimeMillis() / 1000);
            StunMessage m = c.exchange(c.request(Method.ALLOCATE, TurnClient.newTransaction(), true,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            assertEquals(438, TurnClient.code(m));
        }
    }

    @Test
    void allocateAnswersWithRelayedMappedAddressLifetimeAndIntegrity() throws Exception {
        try (TurnClient c = turn.client()) {
            StunMessage m = c.allocate(w -> w.uint32(Attribute.LIFETIME, 1200));
            assertEquals(0, TurnClient.code(m), m.toString());
            InetSocketAddress relayed = TurnClient.relayed(m);
            assertEquals(InetAddress.getByName("127.0.0.1"), relayed.getAddress());
            assertTrue(relayed.getPort() >= 61000 && relayed.getPort() <= 61999);
            assertEquals(c.local(), m.address(m.find(Attribute.XOR_MAPPED_ADDRESS)));
            assertEquals(1200, m.uint32(m.find(Attribute.LIFETIME)));
            assertTrue(m.verifyIntegrity(Integrity.longTermKey("alice", TestTurn.REALM, "secret", 1)));
            AllocationInfo info = turn.turn.allocations().get(0);
            assertEquals("alice", info.user());
            assertEquals(relayed, info.relayed().get(0));
        }
    }

    @Test
    void lifetimeIsAtLeastTheDefaultAndAtMostTheMaximum() throws Exception {
        turn.reconfigure("max-allocate-lifetime", "900");
        try (TurnClient a = turn.client(); TurnClient b = turn.client()) {
            StunMessage short_ = a.allocate(w -> w.uint32(Attribute.LIFETIME, 30));
            assertEquals(600, short_.uint32(short_.find(Attribute.LIFETIME)));
            StunMessage long_ = b.allocate(w -> w.uint32(Attribute.LIFETIME, 86_400));
            assertEquals(900, long_.uint32(long_.find(Attribute.LIFETIME)));
        }
    }

    @Test
    void retransmittedAllocateGetsTheSameAnswerAndOneAllocation() throws Exception {
        try (TurnClient c = turn.client()) {
            c.allocate(); // learns realm and nonce, allocates
            c.refresh(0);
            Thread.sleep(50);
            byte[] request = c.request(Method.ALLOCATE, TurnClient.newTransaction(), true,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24));
            StunMessage first = c.exchange(request);
            StunMessage again = c.exchange(request);
            assertEquals(0, TurnClient.code(first));
            assertEquals(TurnClient.relayed(first), TurnClient.relayed(again));
            assertEquals(1, turn.turn.statistics().allocations());
            StunMessage other = c.allocate();
            assertEquals(437, TurnClient.code(other), "a new Allocate on the same 5-tuple is a mismatch");
        }
    }

    @Test
    void refreshCreatePermissionAndChannelBindWithoutAllocationGet437() throws Exception {
        try (TurnClient c = turn.client()) {
            assertEquals(437, TurnClient.code(c.refresh(600)));
            assertEquals(437, TurnClient.code(c.createPermission(new InetSocketAddress("127.0.0.1", 9))));
            assertEquals(437, TurnClient.code(c.channelBind(0x4000, new InetSocketAddress("127.0.0.1", 9))));
        }
    }

    @Test
    void otherUserOnTheSameAllocationGets441() throws Exception {
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            c.credentials("bob", "hunter2");
            assertEquals(441, TurnClient.code(c.refresh(600)));
        }
    }

    @Test
    void refreshWithLifetimeZeroDeletesAndThePortRests() throws Exception {
        try (TurnClient c = turn.client()) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            StunMessage m = c.refresh(0);
            assertEquals(0, TurnClient.code(m));
            assertEquals(0, m.uint32(m.find(Attribute.LIFETIME)));
            Thread.sleep(100);
            assertEquals(0, turn.turn.statistics().allocations());
            assertEquals(437, TurnClient.code(c.refresh(600)));
            turn.reconfigure("min-port", String.valueOf(relayed.getPort()), "max-port", String.valueOf(relayed.getPort()));
            assertEquals(508, TurnClient.code(c.allocate()), "the only port is resting after its allocation ended");
        }
    }

    @Test
    void malformedAttributesGet400() throws Exception {
        try (TurnClient c = turn.client()) {
            assertEquals(400, TurnClient.code(c.call(Method.ALLOCATE, w -> { })), "no REQUESTED-TRANSPORT");
            assertEquals(400, TurnClient.code(c.call(Method.ALLOCATE, w -> w.bytes(Attribute.REQUESTED_TRANSPORT, new byte[] {17}))));
            assertEquals(442, TurnClient.code(c.call(Method.ALLOCATE, w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 6 << 24))));
            assertEquals(400, TurnClient.code(c.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, new byte[8])
                    .bytes(Attribute.EVEN_PORT, new byte[] {0}))), "RESERVATION-TOKEN with EVEN-PORT");
            assertEquals(440, TurnClient.code(c.allocate(w -> w.bytes(Attribute.REQUESTED_ADDRESS_FAMILY, new byte[] {3, 0, 0, 0}))));
            assertEquals(400, TurnClient.code(c.allocate(w -> w.bytes(Attribute.EVEN_PORT, new byte[] {(byte) 0x80})
                    .bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}))), "EVEN-PORT R with ADDITIONAL-ADDRESS-FAMILY (RFC 8656 7.2)");
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(400, TurnClient.code(c.channelBind(0x3FFF, new InetSocketAddress("127.0.0.1", 9))), "channel below 0x4000");
            assertEquals(400, TurnClient.code(c.call(Method.CHANNEL_BIND, w -> w.uint32(Attribute.CHANNEL_NUMBER, 0x4000 << 16))),
                    "no XOR-PEER-ADDRESS");
            assertEquals(400, TurnClient.code(c.call(Method.CREATE_PERMISSION, w -> w.bytes(Attribute.XOR_PEER_ADDRESS, new byte[] {0, 1, 0}))),
                    "truncated XOR-PEER-ADDRESS");
            assertEquals(400, TurnClient.code(c.call(Method.CREATE_PERMISSION, w -> { })), "no XOR-PEER-ADDRESS");
            StunMessage unknown = c.call(Method.REFRESH, w -> w.uint32(0x7777, 1));
            assertEquals(420, TurnClient.code(unknown));
            assertEquals(0x7777, unknown.uint16(unknown.find(Attribute.UNKNOWN_ATTRIBUTES)));
            assertTrue(unknown.hasIntegrity() || unknown.hasIntegritySha256(), "signed: a client discards an unsigned answer (RFC 8489 9.2.5)");
            assertEquals(1, turn.turn.statistics().allocations(), "errors leave the allocation as it was");
        }
        try (TurnClient stranger = TurnClient.udp(turn.udp())) {
            StunMessage m = stranger.exchange(stranger.request(Method.ALLOCATE, TurnClient.newTransaction(), false,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24).uint32(0x7777, 1)));
            assertEquals(401, TurnClient.code(m), "unauthenticated: the 401, not a 420 outside the 401 rate limit");
        }
    }

    /** What RFC 8489 says to discard is discarded: a Send indication with an unknown must-understand attribute, a message without the magic cookie. */
    @Test
    void indicationsWithUnknownAttributesAndMessagesWithoutTheCookieAreDropped() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
            io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer(64);
            new org.gatehouse.stun.message.StunWriter().start(out, MessageClass.type(Method.SEND, MessageClass.INDICATION), TurnClient.newTransaction())
                    .address(Attribute.XOR_PEER_ADDRESS, peer.address()).bytes(Attribute.DATA, new byte[] {9}).uint32(0x7777, 1);
            byte[] indication = new byte[out.readableBytes()];
            out.readBytes(indication);
            c.sendRaw(indication);
            assertNull(peer.receive(500), "not relayed");
            c.sendIndication(peer.address(), new byte[] {8});
            assertArrayEquals(new byte[] {8}, (byte[]) peer.receive(2000)[0], "a plain one is");
            assertEquals(1, turn.turn.statistics().allocations());
        }
        try (TurnClient stranger = TurnClient.udp(turn.udp())) {
            io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer(64);
            new org.gatehouse.stun.message.StunWriter().start(out, MessageClass.type(Method.ALLOCATE, MessageClass.REQUEST), TurnClient.newTransaction())
                    .uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24);
            byte[] noCookie = new byte[out.readableBytes()];
            out.readBytes(noCookie);
            stranger.sendRaw(noCookie);
            assertNotNull(stranger.receive(1000), "with the cookie: a 401");
            noCookie[4] = 0;
            noCookie[5] = 0;
            noCookie[6] = 0;
            noCookie[7] = 0;
            stranger.sendRaw(noCookie);
            assertNull(stranger.receive(500), "an RFC 3489 message gets nothing");
        }
    }

    @Test
    void deniedPeersGet403InEveryForm() throws Exception {
        turn.reconfigure("allowed-peer-ip", "");
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate(w -> w.bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}))));
            String[] denied = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0",
                "224.0.0.1", "255.255.255.255", "240.0.0.1", "192.0.2.1",
                "::1", "::", "fe80::1", "fc00::1", "ff02::1", "2001:db8::1",
                "::ffff:10.1.2.3", "::ffff:0:10.1.2.3", "::10.1.2.3", "2002:a01:203::1", "64:ff9b::10.1.2.3", "64:ff9b::127.0.0.1", "64:ff9b:1::a01:203"};
            for (String d : denied) {
                InetSocketAddress peer = new InetSocketAddress(InetAddress.getByName(d), 5000);
                assertEquals(403, TurnClient.code(c.createPermission(peer)), d);
                assertEquals(403, TurnClient.code(c.channelBind(0x4001, peer)), d);
            }
            // Java reads ::ffff:a.b.c.d as IPv4, and so would the writer: the IPv6 family on the wire, by hand.
            byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
            for (int method : new int[] {Method.CREATE_PERMISSION, Method.CHANNEL_BIND}) {
                byte[] tx = TurnClient.newTransaction();
                byte[] value = new byte[20];
                value[1] = 0x02;
                value[2] = (byte) ((5000 >> 8) ^ 0x21);
                value[3] = (byte) ((5000 & 0xff) ^ 0x12);
                byte[] pad = {0x21, 0x12, (byte) 0xA4, 0x42, tx[0], tx[1], tx[2], tx[3], tx[4], tx[5], tx[6], tx[7], tx[8], tx[9], tx[10], tx[11]};
                for (int i = 0; i < 16; i++) {
                    value[4 + i] = (byte) (mapped[i] ^ pad[i]);
                }
                StunMessage m = c.exchange(c.request(method, tx, true, w -> {
                    if (method == Method.CHANNEL_BIND) {
                        w.uint32(Attribute.CHANNEL_NUMBER, 0x4001 << 16);
                    }
                    w.bytes(Attribute.XOR_PEER_ADDRESS, value);
                }));
                assertEquals(403, TurnClient.code(m), "::ffff:10.1.2.3 in the IPv6 family, method " + method);
            }
            assertEquals(0, TurnClient.code(c.createPermission(new InetSocketAddress("198.51.99.1", 5000))), "a public address");
            assertEquals(0, TurnClient.code(c.createPermission(new InetSocketAddress("2a00:1450::1", 5000))), "a public IPv6 address");
            assertEquals(0, TurnClient.code(c.createPermission(new InetSocketAddress("64:ff9b::8.8.8.8", 5000))), "NAT64 of a public address");
            assertTrue(turn.turn.statistics().deniedPeers() >= 2L * denied.length);
        }
        turn.reconfigure("denied-peer-ip", "198.51.99.0/24");
        try (TurnClient c = turn.client()) {
            c.allocate();
            assertEquals(403, TurnClient.code(c.createPermission(new InetSocketAddress("198.51.99.1", 5000))));
        }
    }

    /**
     * A channel bound while its address was not this host's is removed once it is (external-ip set
     * to it here; an address moved to this host alike, found by the 10 s look at its interfaces), as
     * a new ChannelBind to it is refused: it would reach one of this host's services from one of its
     * own addresses. The permission, good for the address at relay ports, stays.
     */
    @Test
    void aChannelToAnAddressThatBecomesThisHostsIsRemoved() throws Exception {
        turn.reconfigure("allowed-peer-ip", "");
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            InetSocketAddress service = new InetSocketAddress("198.51.99.8", 53);
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, service)));
            Allocation a = allocationOf(c);
            assertEquals(1, a.channelCount());
            turn.reconfigure("allowed-peer-ip", "", "external-ip", "198.51.99.8");
            long until = System.nanoTime() + 2_000_000_000L;
            while (a.channelCount() > 0 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertEquals(0, a.channelCount(), "the channel to this host's own service");
            assertEquals(1, a.permissionCount());
            assertEquals(403, TurnClient.code(c.channelBind(0x4001, service)), "as a new one is refused");
        }
    }

    @Test
    void anAddressOfThisServerIsAPeerAtRelayPortsOnlyUnlessAllowed() throws Exception {
        // A relay socket sending to this host's own address (here the external-ip public address, which a
        // NAT sends back here; an interface's address alike) at another port than a relay's reaches its
        // STUN listener and any other UDP service of the host from one of the host's own addresses. At a
        // relay port it is another allocation's relayed address: two clients of this server relaying to
        // each other (TURN over TCP/443 on both sides of a call), which must keep working.
        turn.reconfigure("allowed-peer-ip", "", "external-ip", "198.51.99.7");
        try (TurnClient c = turn.client(); TurnClient other = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            StunMessage otherAllocation = other.allocate();
            assertEquals(0, TurnClient.code(otherAllocation));
            int otherPort = TurnClient.relayed(otherAllocation).getPort();
            for (String own : new String[] {"198.51.99.7", "::ffff:198.51.99.7"}) {
                InetSocketAddress listener = new InetSocketAddress(InetAddress.getByName(own), 3478);
                assertEquals(0, TurnClient.code(c.createPermission(listener)), "a permission names an address, not a port: " + own);
                assertEquals(403, TurnClient.code(c.channelBind(0x4001, listener)), own);
            }
            assertEquals(0, TurnClient.code(c.channelBind(0x4002, new InetSocketAddress("198.51.99.7", otherPort))),
                    "the other allocation's relayed address, as advertised");
            long denied = turn.turn.statistics().deniedPeers();
            c.sendIndication(new InetSocketAddress("198.51.99.7", 3478), new byte[] {1, 2, 3});
            TestTurn.waitFor(() -> turn.turn.statistics().deniedPeers() == denied + 1, "a Send indication to its STUN port is dropped");
            for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        assertEquals(403, TurnClient.code(c.channelBind(0x4003, new InetSocketAddress(a, 3478))), "this host's " + a);
                    }
                }
            }
            assertEquals(0, TurnClient.code(c.channelBind(0x4004, new InetSocketAddress("198.51.99.8", 3478))), "another public address");
        }
        turn.reconfigure("allowed-peer-ip", "198.51.99.7");
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(0, TurnClient.code(c.channelBind(0x4001, new InetSocketAddress("198.51.99.7", 3478))), "listed in allowed-peer-ip");
        }
    }

    /**
     * This host's address is a peer at a port a relay holds, not merely one in the relay range (which
     * may hold the listener's port or another daemon's); a channel to another allocation's relay stays
     * when the range moves away from its port.
     */
    @Test
    void anAddressOfThisServerIsAPeerAtPortsRelaysHoldAcrossAChangeOfTheRange() throws Exception {
        turn.reconfigure("allowed-peer-ip", "", "external-ip", "198.51.99.7");
        try (TurnClient c = turn.client(); TurnClient other = turn.client()) {
            int own = TurnClient.relayed(c.allocate()).getPort();
            int otherPort = TurnClient.relayed(other.allocate()).getPort();
            int idle = 61000;
            while (idle == own || idle == otherPort) {
                idle++;
            }
            assertEquals(403, TurnClient.code(c.channelBind(0x4001, new InetSocketAddress("198.51.99.7", idle))),
                    "a port of the relay range that no relay holds");
            assertEquals(0, TurnClient.code(c.channelBind(0x4002, new InetSocketAddress("198.51.99.7", otherPort))));
            turn.reconfigure("min-port", "62000", "max-port", "62999");
            // Handled after the change's enforcement, queued on the allocation's thread before it.
            assertEquals(0, TurnClient.code(c.refresh(600)));
            assertEquals(1, allocationOf(c).channelCount(), "the channel to the other allocation's relay stays");
        }
    }

    /**
     * A channel to another allocation's relayed address carries data only while that relay is held:
     * once it ends, its port may be taken by any program of the host, which the channel would reach
     * from one of the host's own addresses (a Send indication was checked at each datagram already).
     */
    @Test
    void aChannelToAnotherAllocationsRelayStopsWhenThatRelayEnds() throws Exception {
        turn.reconfigure("allowed-peer-ip", "", "external-ip", "198.51.99.7");
        try (TurnClient c = turn.client(); TurnClient other = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            int otherPort = TurnClient.relayed(other.allocate()).getPort();
            assertEquals(0, TurnClient.code(c.channelBind(0x4002, new InetSocketAddress("198.51.99.7", otherPort))));
            c.sendChannelData(0x4002, new byte[] {1, 2, 3});
            TestTurn.waitFor(() -> allocationOf(c).packetsToPeers == 1, "relayed while the other relay is held");
            assertEquals(0, TurnClient.code(other.refresh(0)));
            long denied = turn.turn.statistics().deniedPeers();
            c.sendChannelData(0x4002, new byte[] {4, 5, 6});
            TestTurn.waitFor(() -> turn.turn.statistics().deniedPeers() == denied + 1, "refused once the other relay ended");
            assertEquals(1, allocationOf(c).packetsToPeers);
        }
    }

    @Test
    void restrictedModeReachesTheListedNodesOnly() throws Exception {
        turn.reconfigure("restricted", "true", "allowed-peer-ip", "127.0.0.1, 10.40.0.0/24");
        try (TurnClient c = turn.client()) {
            c.allocate();
            assertEquals(0, TurnClient.code(c.createPermission(new InetSocketAddress("10.40.0.10", 5000))));
            assertEquals(403, TurnClient.code(c.createPermission(new InetSocketAddress("8.8.8.8", 5000))), "a public peer not listed");
        }
    }

    @Test
    void quotasGet486() throws Exception {
        turn.reconfigure("user-quota", "1");
        try (TurnClient a = turn.client(); TurnClient b = turn.client(); TurnClient bob = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
            assertEquals(0, TurnClient.code(a.allocate()));
            assertEquals(486, TurnClient.code(b.allocate()));
            assertEquals(0, TurnClient.code(bob.allocate()), "the quota is per user");
            turn.reconfigure("user-quota", "0", "total-quota", "2");
            assertEquals(486, TurnClient.code(b.allocate()), "total quota");
            a.refresh(0);
            Thread.sleep(100);
            assertEquals(0, TurnClient.code(b.allocate()), "an ended allocation gives its place back");
            assertEquals(2, turn.turn.statistics().quotaRejections());
        }
    }

    /**
     * A relay socket reads at most 4,096 bytes of a datagram: a larger one from a peer arrives cut
     * short, and is dropped (counted), never passed to the client as if it were whole.
     */
    @Test
    void aDatagramFromAPeerTooLargeToReadWholeIsDroppedNotCutShort() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            long dropped = turn.turn.statistics().dropped();
            peer.send(new byte[6000], relayed);
            assertNull(c.receive(500), "nothing of the 6,000 bytes reaches the client");
            assertEquals(dropped + 1, turn.turn.statistics().dropped());
            byte[] media = new byte[4000];
            media[3999] = 9;
            peer.send(media, relayed);
            byte[] frame = c.receive(2000);
            assertNotNull(frame, "4,000 bytes are relayed");
            assertEquals(4004, frame.length);
            assertEquals(9, frame[4003]);
        }
    }

    @Test
    void sendAndDataIndicationsAndChannelsRelayBothWays() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
            c.sendIndication(peer.address(), "hello peer".getBytes(StandardCharsets.UTF_8));
            Object[] got = peer.receive(2000);
            assertNotNull(got, "Send indication relayed");
            assertEquals("hello peer", new String((byte[]) got[0], StandardCharsets.UTF_8));
            assertEquals(relayed, got[1], "the peer sees the relayed address");

            peer.send("hello client".getBytes(StandardCharsets.UTF_8), relayed);
            StunMessage data = TurnClient.parse(c.receive(2000));
            assertEquals(MessageClass.type(Method.DATA, MessageClass.INDICATION), data.type());
            assertEquals(peer.address(), data.address(data.find(Attribute.XOR_PEER_ADDRESS)));
            assertEquals("hello client", data.string(data.find(Attribute.DATA)));

            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            c.sendChannelData(0x4000, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) peer.receive(2000)[0]);
            peer.send(new byte[] {4, 5, 6, 7, 8}, relayed);
            byte[] frame = c.receive(2000);
            assertArrayEquals(new byte[] {0x40, 0, 0, 5, 4, 5, 6, 7, 8}, frame, "ChannelData once the channel is bound");

            AllocationInfo info = turn.turn.allocations().get(0);
            assertEquals(2, info.packetsToPeers());
            assertEquals(2, info.packetsToClient());
            assertEquals(1, info.permissions());
            assertEquals(1, info.channels());
        }
    }

    @Test
    void nothingReachesTheClientFromPeersWithoutPermission() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1");
                TestTurn.Peer stranger = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            stranger.send(new byte[] {9}, relayed);
            assertNull(c.receive(300));
            c.sendIndication(peer.address(), new byte[] {1});
            assertNull(peer.receive(300), "no Send without a permission");
            c.sendChannelData(0x4005, new byte[] {1});
            assertNull(peer.receive(300), "no ChannelData on an unbound channel");
        }
    }

    @Test
    void channelRulesFollowTheRfc() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer p1 = new TestTurn.Peer("127.0.0.1"); TestTurn.Peer p2 = new TestTurn.Peer("127.0.0.1")) {
            c.allocate();
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, p1.address())));
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, p1.address())), "refreshing the same binding");
            assertEquals(400, TurnClient.code(c.channelBind(0x4000, p2.address())), "the number is bound to another peer");
            assertEquals(400, TurnClient.code(c.channelBind(0x4001, p1.address())), "the peer is bound to another number");
            assertEquals(0, TurnClient.code(c.channelBind(0x7FFF, p2.address())), "RFC 5766's range, which its clients use");
            assertEquals(400, TurnClient.code(c.channelBind(0x8000, p2.address())));
        }
    }

    @Test
    void tcpClientRelaysWithPaddedChannelDataAndItsAllocationEndsWithTheConnection() throws Exception {
        try (TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed;
            try (TurnClient c = TurnClient.tcp(turn.tcp()).credentials("alice", "secret")) {
                StunMessage m = c.allocate();
                assertEquals(0, TurnClient.code(m));
                relayed = TurnClient.relayed(m);
                assertEquals(0, TurnClient.code(c.channelBind(0x4100, peer.address())));
                c.sendChannelData(0x4100, new byte[] {1, 2, 3, 4, 5});
                assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, (byte[]) peer.receive(2000)[0]);
                peer.send(new byte[] {7, 7, 7}, relayed);
                assertArrayEquals(new byte[] {0x41, 0, 0, 3, 7, 7, 7}, c.receive(2000));
                c.sendChannelData(0x4100, new byte[] {9});
                assertArrayEquals(new byte[] {9}, (byte[]) peer.receive(2000)[0], "framing kept after a padded frame");
                assertEquals("tcp", turn.turn.allocations().get(0).protocol());
            }
            for (int i = 0; i < 50 && turn.turn.statistics().allocations() > 0; i++) {
                Thread.sleep(20);
            }
            assertEquals(0, turn.turn.statistics().allocations(), "closing the connection ends its allocation");
        }
    }

    @Test
    void aTcpClientThatStopsReadingHasItsMediaDroppedNotQueuedAndKeepsItsFraming() throws Exception {
        try (TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1"); TurnClient c = TurnClient.tcp(turn.tcp()).credentials("alice", "secret")) {
            StunMessage m = c.allocate();
            assertEquals(0, TurnClient.code(m));
            InetSocketAddress relayed = TurnClient.relayed(m);
            assertEquals(0, TurnClient.code(c.channelBind(0x4100, peer.address())));
            long droppedBefore = turn.stun.statistics().answersDropped();
            long turnDroppedBefore = turn.turn.statistics().dropped();
            // 64 MB from the peer while the client reads nothing: more than the kernel's buffers on both
            // sides of the connection hold, so the rest cannot be queued without bound in the server.
            byte[] media = new byte[1000];
            for (int i = 0; i < 65_536; i++) {
                media[0] = (byte) i;
                peer.send(media, relayed);
                if (i % 512 == 511) {
                    Thread.sleep(1);
                }
            }
            long dropped = 0;
            for (int i = 0; i < 100 && dropped == 0; i++) {
                Thread.sleep(20);
                dropped = turn.stun.statistics().answersDropped() - droppedBefore;
            }
            assertTrue(dropped > 0, "media for a client that does not read is dropped, not queued");
            // Counted as dropped by TURN too, not as relayed to the client (once the peer's last
            // datagrams have been handled: both counts still for 300 ms).
            Allocation a = allocationOf(c);
            long toClient = -1;
            long droppedNow = -1;
            for (int still = 0; still < 3; ) {
                Thread.sleep(100);
                long t = a.connection.eventLoop().submit(() -> a.packetsToClient).get();
                long d = turn.stun.statistics().answersDropped();
                still = t == toClient && d == droppedNow ? still + 1 : 0;
                toClient = t;
                droppedNow = d;
            }
            assertEquals(droppedNow - droppedBefore, turn.turn.statistics().dropped() - turnDroppedBefore);
            // What was queued arrives as whole ChannelData frames: nothing was cut in the middle.
            int frames = 0;
            for (byte[] f; (f = c.receive(1000)) != null; frames++) {
                assertEquals(4 + 1000, f.length);
                assertEquals(0x41, f[0] & 0xFF);
                assertEquals(1000, ((f[2] & 0xFF) << 8) | (f[3] & 0xFF));
            }
            assertTrue(frames > 0 && frames < 65_536, frames + " frames arrived");
            assertEquals(toClient, frames, "counted as relayed to the client: what reached it");
            // The allocation still relays both ways.
            peer.send(new byte[] {7, 7, 7}, relayed);
            assertArrayEquals(new byte[] {0x41, 0, 0, 3, 7, 7, 7}, c.receive(2000));
            c.sendChannelData(0x4100, new byte[] {9});
            byte[] got;
            do {
                got = (byte[]) peer.receive(2000)[0];
            } while (got.length != 1);
            assertArrayEquals(new byte[] {9}, got);
        }
    }

    @Test
    void permissionsPerAllocationAreBoundedWith508() throws Exception {
        turn.reconfigure("allowed-peer-ip", "127.0.0.0/8, ::1");
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            // 1,000 peers in CreatePermission requests of 40 addresses each: all installed.
            int n = 0;
            while (n < Allocation.MAX_PERMISSIONS) {
                InetSocketAddress[] batch = new InetSocketAddress[Math.min(40, Allocation.MAX_PERMISSIONS - n)];
                for (int i = 0; i < batch.length; i++, n++) {
                    batch[i] = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 1, (byte) (n >> 8), (byte) n}), 9);
                }
                assertEquals(0, TurnClient.code(c.createPermission(batch)), "up to " + n);
            }
            InetSocketAddress fresh = new InetSocketAddress("127.2.0.1", 9);
            InetSocketAddress known = new InetSocketAddress("127.1.0.5", 9);
            assertEquals(508, TurnClient.code(c.createPermission(fresh)), "one more peer");
            assertEquals(508, TurnClient.code(c.createPermission(known, fresh)), "all or none: the known one is not refreshed alone");
            assertEquals(508, TurnClient.code(c.channelBind(0x4000, fresh)), "a channel to a new peer needs a permission too");
            assertEquals(0, TurnClient.code(c.createPermission(known)), "a peer it has is refreshed");
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, known)), "and bound");
            assertEquals(Allocation.MAX_PERMISSIONS, turn.turn.allocations().get(0).permissions());
        }
    }

    /**
     * Channels are bounded too, also to the ports of one permitted address (which the permission
     * bound does not see): 128 bind, the 129th is 508, and the bound ones refresh and relay.
     */
    @Test
    void channelsPerAllocationAreBoundedWith508() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            assertEquals(0, TurnClient.code(c.allocate()));
            InetAddress ip = peer.address().getAddress();
            for (int i = 0; i < Allocation.MAX_CHANNELS - 1; i++) {
                assertEquals(0, TurnClient.code(c.channelBind(0x4000 + i, new InetSocketAddress(ip, 20000 + i))), "channel " + i);
            }
            assertEquals(0, TurnClient.code(c.channelBind(0x4000 + Allocation.MAX_CHANNELS - 1, peer.address())), "the last one");
            assertEquals(508, TurnClient.code(c.channelBind(0x4000 + Allocation.MAX_CHANNELS, new InetSocketAddress(ip, 30000))),
                    "one channel more");
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, new InetSocketAddress(ip, 20000))), "a bound one refreshes");
            assertEquals(Allocation.MAX_CHANNELS, turn.turn.allocations().get(0).channels());
            c.sendChannelData(0x4000 + Allocation.MAX_CHANNELS - 1, new byte[] {7});
            Object[] got = peer.receive(2000);
            assertNotNull(got, "the bound channels relay");
            assertArrayEquals(new byte[] {7}, (byte[]) got[0]);
        }
    }

    @Test
    void evenPortWithReservationGivesTheNextPortToTheTokenHolder() throws Exception {
        try (TurnClient a = turn.client(); TurnClient b = turn.client()) {
            StunMessage first = a.allocate(w -> w.bytes(Attribute.EVEN_PORT, new byte[] {(byte) 0x80}));
            assertEquals(0, TurnClient.code(first));
            int port = TurnClient.relayed(first).getPort();
            assertEquals(0, port % 2);
            byte[] token = first.bytes(first.find(Attribute.RESERVATION_TOKEN));
            StunMessage second = b.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, token));
            assertEquals(0, TurnClient.code(second));
            assertEquals(port + 1, TurnClient.relayed(second).getPort());
            try (TurnClient c = turn.client()) {
                assertEquals(508, TurnClient.code(c.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, token))), "a token is used once");
            }
        }
    }

    /** A port only reserved (EVEN-PORT with R) is no relay's yet: this host's address there is no peer until the token is used. */
    @Test
    void aReservedPortIsAPeerOfThisHostOnlyOnceBound() throws Exception {
        turn.reconfigure("allowed-peer-ip", "", "external-ip", "198.51.99.7");
        try (TurnClient a = turn.client(); TurnClient b = turn.client(); TurnClient c = turn.client()) {
            StunMessage first = a.allocate(w -> w.bytes(Attribute.EVEN_PORT, new byte[] {(byte) 0x80}));
            assertEquals(0, TurnClient.code(first));
            InetSocketAddress next = new InetSocketAddress("198.51.99.7", TurnClient.relayed(first).getPort() + 1);
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(403, TurnClient.code(c.channelBind(0x4001, next)), "reserved, nothing of this server bound there");
            byte[] token = first.bytes(first.find(Attribute.RESERVATION_TOKEN));
            assertEquals(0, TurnClient.code(b.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, token))));
            assertEquals(0, TurnClient.code(c.channelBind(0x4001, next)), "the token holder's relay now");
        }
    }

    @Test
    void dualAllocationRelaysIpv4AndIpv6() throws Exception {
        try (TurnClient c = turn.client(); TestTurn.Peer v6 = new TestTurn.Peer("::1")) {
            StunMessage m = c.allocate(w -> w.bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}));
            assertEquals(0, TurnClient.code(m), m.toString());
            int count = 0;
            InetSocketAddress relayed6 = null;
            for (int i = 0; i < m.attributeCount(); i++) {
                if (m.attributeType(i) == Attribute.XOR_RELAYED_ADDRESS) {
                    count++;
                    InetSocketAddress r = m.address(i);
                    if (r.getAddress() instanceof java.net.Inet6Address) {
                        relayed6 = r;
                    }
                }
            }
            assertEquals(2, count);
            assertNotNull(relayed6);
            assertEquals(0, TurnClient.code(c.createPermission(v6.address())));
            c.sendIndication(v6.address(), new byte[] {6});
            Object[] got = v6.receive(2000);
            assertArrayEquals(new byte[] {6}, (byte[]) got[0]);
            assertEquals(relayed6, got[1]);
        }
        try (TurnClient c = turn.client()) {
            StunMessage m = c.allocate(w -> w.bytes(Attribute.REQUESTED_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}));
            assertEquals(0, TurnClient.code(m));
            assertTrue(TurnClient.relayed(m).getAddress() instanceof java.net.Inet6Address);
            assertEquals(443, TurnClient.code(c.createPermission(new InetSocketAddress("127.0.0.1", 9))), "IPv4 peer on an IPv6 relay");
        }
        turn.reconfigure("relay-ip", "127.0.0.1");
        try (TurnClient c = turn.client()) {
            StunMessage m = c.allocate(w -> w.bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}));
            assertEquals(0, TurnClient.code(m));
            assertEquals(440, m.errorCode(m.find(Attribute.ADDRESS_ERROR_CODE)) % 1000, "no IPv6 relay address: ADDRESS-ERROR-CODE");
        }
    }

    /** RFC 8656 section 8: a dual allocation's families are refreshed, expire and are deleted apart. */
    @Test
    void dualAllocationFamiliesAreRefreshedExpireAndAreDeletedApart() throws Exception {
        byte[] ipv4 = {1, 0, 0, 0};
        byte[] ipv6 = {2, 0, 0, 0};
        try (TurnClient c = turn.client(); TestTurn.Peer v4 = new TestTurn.Peer("127.0.0.1"); TestTurn.Peer v6 = new TestTurn.Peer("::1")) {
            assertEquals(0, TurnClient.code(c.allocate(w -> w.bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, ipv6).uint32(Attribute.LIFETIME, 600))));
            Allocation a = turn.turn.server().table.byId.values().iterator().next();
            StunMessage r = c.call(Method.REFRESH, w -> w.uint32(Attribute.LIFETIME, 3000).bytes(Attribute.REQUESTED_ADDRESS_FAMILY, ipv6));
            assertEquals(0, TurnClient.code(r), r.toString());
            assertEquals(3000, r.uint32(r.find(Attribute.LIFETIME)));
            long[] times = onLoop(a, () -> new long[] {a.v4.expires - a.wheel.now(), a.v6.expires - a.wheel.now(), a.expires - a.wheel.now()});
            assertTrue(times[0] <= 600 && times[0] > 590, "IPv4 keeps its 600 s: " + times[0]);
            assertTrue(times[1] > 2990, "IPv6 refreshed to 3000 s: " + times[1]);
            assertEquals(times[1], times[2], "the allocation lasts as long as its last relayed address");

            // The IPv4 relayed address's time runs out: it ends alone, the IPv6 one goes on relaying.
            long[] after = onLoop(a, () -> {
                long next = a.expire(a.v4.expires);
                return new long[] {a.v4 == null ? 1 : 0, a.ended ? 1 : 0, next == a.v6.expires ? 1 : 0};
            });
            assertArrayEquals(new long[] {1, 0, 1}, after, "IPv4 closed, allocation alive, next deadline the IPv6 one's");
            assertEquals(0, TurnClient.code(c.createPermission(v6.address())));
            c.sendIndication(v6.address(), new byte[] {6});
            assertArrayEquals(new byte[] {6}, (byte[]) v6.receive(2000)[0]);
            assertEquals(443, TurnClient.code(c.createPermission(v4.address())), "no IPv4 relayed address any more");
            assertEquals(443, TurnClient.code(c.call(Method.REFRESH, w -> w.uint32(Attribute.LIFETIME, 600).bytes(Attribute.REQUESTED_ADDRESS_FAMILY, ipv4))));
            assertEquals(0, TurnClient.code(c.refresh(0)));
            Thread.sleep(100);
            assertEquals(0, turn.turn.statistics().allocations());
        }
        try (TurnClient c = turn.client(); TestTurn.Peer v4 = new TestTurn.Peer("127.0.0.1")) {
            assertEquals(0, TurnClient.code(c.allocate(w -> w.bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, ipv6))));
            Allocation a = turn.turn.server().table.byId.values().iterator().next();
            // A Refresh naming no family refreshes both.
            assertEquals(0, TurnClient.code(c.refresh(1200)));
            long[] times = onLoop(a, () -> new long[] {a.v4.expires - a.wheel.now(), a.v6.expires - a.wheel.now()});
            assertTrue(times[0] > 1190 && times[1] > 1190, times[0] + " " + times[1]);
            // Lifetime 0 naming IPv6 deletes that relayed address only; the allocation's time is IPv4's.
            StunMessage r = c.call(Method.REFRESH, w -> w.uint32(Attribute.LIFETIME, 0).bytes(Attribute.REQUESTED_ADDRESS_FAMILY, ipv6));
            assertEquals(0, TurnClient.code(r));
            assertEquals(0, r.uint32(r.find(Attribute.LIFETIME)));
            assertEquals(0, onLoop(a, () -> new long[] {a.v6 == null ? 0 : 1})[0], "the IPv6 relay is closed");
            assertEquals(0, TurnClient.code(c.createPermission(v4.address())));
            c.sendIndication(v4.address(), new byte[] {4});
            assertArrayEquals(new byte[] {4}, (byte[]) v4.receive(2000)[0]);
            assertEquals(1, turn.turn.statistics().allocations());
        }
    }

    private static long[] onLoop(Allocation a, java.util.concurrent.Callable<long[]> read) throws Exception {
        return a.connection.eventLoop().submit(read).get(2, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void messageIntegritySha256AndUserHashAndSha256PasswordAlgorithm() throws Exception {
        try (TurnClient c = turn.client()) {
            StunMessage challenge = c.exchange(c.request(Method.ALLOCATE, TurnClient.newTransaction(), false,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            String nonce = challenge.string(challenge.find(Attribute.NONCE));
            byte[] algorithms = challenge.bytes(challenge.find(Attribute.PASSWORD_ALGORITHMS));
            assertArrayEquals(new byte[] {0, 1, 0, 0}, algorithms, "the user file has MD5 keys only");
            assertTrue(nonce.startsWith(Nonces.PREFIX), "user name anonymity offered: the user file finds users from USERHASH");
            byte[] key = Integrity.longTermKey("alice", TestTurn.REALM, "secret", Integrity.ALGORITHM_MD5);
            byte[] request = bytes(w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)
                    .bytes(Attribute.USERHASH, Integrity.userHash("alice", TestTurn.REALM))
                    .string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .bytes(Attribute.PASSWORD_ALGORITHMS, algorithms).bytes(Attribute.PASSWORD_ALGORITHM, new byte[] {0, 1, 0, 0})
                    .integritySha256(key));
            StunMessage m = c.exchange(request);
            assertEquals(0, TurnClient.code(m), m.toString());
            assertTrue(m.verifyIntegritySha256(key), "answered with MESSAGE-INTEGRITY-SHA256");
            byte[] downgraded = bytes(w -> w.uint32(Attribute.LIFETIME, 600)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .bytes(Attribute.PASSWORD_ALGORITHMS, new byte[] {0, 2, 0, 0}).bytes(Attribute.PASSWORD_ALGORITHM, new byte[] {0, 2, 0, 0})
                    .integrity(key), Method.REFRESH);
            assertEquals(400, TurnClient.code(c.exchange(downgraded)), "PASSWORD-ALGORITHMS other than offered");
            byte[] md5Refresh = bytes(w -> w.uint32(Attribute.LIFETIME, 600)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .bytes(Attribute.PASSWORD_ALGORITHMS, algorithms).bytes(Attribute.PASSWORD_ALGORITHM, new byte[] {0, 1, 0, 0})
                    .integrity(key), Method.REFRESH);
            StunMessage r = c.exchange(md5Refresh);
            assertEquals(0, TurnClient.code(r));
            assertTrue(r.hasIntegritySha256() && !r.hasIntegrity() && r.verifyIntegritySha256(key),
                    "the algorithms named: answered with MESSAGE-INTEGRITY-SHA256 whatever the request's (RFC 8489 9.2.4)");
            byte[] noAlgorithms = bytes(w -> w.uint32(Attribute.LIFETIME, 600)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .integritySha256(key), Method.REFRESH);
            r = c.exchange(noAlgorithms);
            assertEquals(0, TurnClient.code(r));
            assertTrue(r.hasIntegrity() && !r.hasIntegritySha256() && r.verifyIntegrity(key),
                    "no algorithm named, taken as MD5: answered with MESSAGE-INTEGRITY");
        }
    }

    /**
     * RFC 8489 9.2.4's order: a bad password algorithm is 400 and a wrong password 401 even with a
     * nonce that is not good here (another client's: another port of the same address); 438 comes last.
     */
    @Test
    void aNonceThatIsNotGoodIsReportedOnlyOnceEverythingElseIsRight() throws Exception {
        try (TurnClient c = turn.client(); TurnClient other = turn.client()) {
            StunMessage challenge = other.exchange(other.request(Method.ALLOCATE, TurnClient.newTransaction(), false,
                    w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            String nonce = challenge.string(challenge.find(Attribute.NONCE));
            byte[] key = Integrity.longTermKey("alice", TestTurn.REALM, "secret", Integrity.ALGORITHM_MD5);
            byte[] wrongKey = Integrity.longTermKey("alice", TestTurn.REALM, "guess", Integrity.ALGORITHM_MD5);
            assertEquals(400, TurnClient.code(c.exchange(bytes(w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .bytes(Attribute.PASSWORD_ALGORITHMS, new byte[] {0, 2, 0, 0}).bytes(Attribute.PASSWORD_ALGORITHM, new byte[] {0, 2, 0, 0})
                    .integritySha256(key)))), "algorithms not offered");
            assertEquals(401, TurnClient.code(c.exchange(bytes(w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .integrity(wrongKey)))), "wrong password");
            assertEquals(438, TurnClient.code(c.exchange(bytes(w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)
                    .string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce)
                    .integrity(key)))), "right password, another port's nonce");
        }
    }

    private static byte[] bytes(java.util.function.Consumer<StunWriter> body) {
        return bytes(body, Method.ALLOCATE);
    }

    private static byte[] bytes(java.util.function.Consumer<StunWriter> body, int method) {
        io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer(512);
        body.accept(new StunWriter().start(out, MessageClass.type(method, MessageClass.REQUEST), TurnClient.newTransaction()));
        return TurnClient.bytes(out);
    }

    @Test
    void restApiCredentialsWorkUntilTheyExpire() throws Exception {
        turn.reconfigure("use-auth-secret", "true", "static-auth-secret", "old-secret, north-secret");
        long tomorrow = System.currentTimeMillis() / 1000 + 86_400;
        String user = tomorrow + ":conference-node-1";
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials(user, RestSecret.password("north-secret".getBytes(), user))) {
            StunMessage m = c.allocate();
            assertEquals(0, TurnClient.code(m));
            StunMessage challenge = c.exchange(c.request(Method.REFRESH, TurnClient.newTransaction(), false, w -> { }));
            assertArrayEquals(new byte[] {0, 1, 0, 0, 0, 2, 0, 0}, challenge.bytes(challenge.find(Attribute.PASSWORD_ALGORITHMS)),
                    "SHA-256 offered: the REST secret knows the password");
            assertTrue(challenge.string(challenge.find(Attribute.NONCE)).startsWith(Nonces.PREFIX_NO_USERHASH),
                    "no user name anonymity (RFC 8489 9.2.5): a REST user name cannot be found from its USERHASH");
        }
        String expired = (System.currentTimeMillis() / 1000 - 10) + ":conference-node-1";
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials(expired, RestSecret.password("north-secret".getBytes(), expired))) {
            assertEquals(401, TurnClient.code(c.allocate()));
        }
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials(user, RestSecret.password("wrong".getBytes(), user))) {
            assertEquals(401, TurnClient.code(c.allocate()));
        }
    }

    @Test
    void unauthenticatedAnswersAreRateLimitedPerAddress() throws Exception {
        turn.reconfigure("unauthenticated-rate-limit", "5");
        try (TurnClient c = turn.client()) {
            int answered = 0;
            for (int i = 0; i < 40; i++) {
                c.sendRaw(c.request(Method.ALLOCATE, TurnClient.newTransaction(), false, w -> w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24)));
            }
            while (c.receive(300) != null) {
                answered++;
            }
            assertTrue(answered >= 10 && answered <= 12, "a burst of twice the rate, then nothing: " + answered);
            assertTrue(turn.turn.statistics().unauthenticatedAnswersLimited() >= 28);
        }
    }

    /**
     * A UDP listener given up in the STUN settings takes its 5-tuples with it: the allocations made
     * through it end (relay port and quota back) instead of staying until their lifetime runs out.
     */
    @Test
    void allocationsThroughAUdpListenerThatClosesEnd() throws Exception {
        try (TurnClient c = turn.client(); TurnClient tcp = TurnClient.tcp(turn.tcp()).credentials("alice", "secret")) {
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(0, TurnClient.code(tcp.allocate()));
            assertEquals(2, turn.turn.statistics().allocations());
            turn.stun.reconfigure("listen", "[::1]:0", "tls-listen", "");
            TestTurn.waitFor(() -> turn.turn.statistics().allocations() == 1, "the UDP allocation ended");
            assertEquals(1, turn.turn.statistics().allocationsEnded());
            assertEquals(0, TurnClient.code(tcp.refresh(600)), "a TCP connection outlives its listener, and its allocation with it");
        }
    }

    /** DONT-FRAGMENT sets DF on the relay sockets (IP_MTU_DISCOVER "do"), where it was only noted in the log. */
    @Test
    void dontFragmentSetsDfOnTheRelaySockets() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(turn.stun.loops.nativeUnavailableReason().isEmpty(), "needs the native transport");
        io.netty.channel.unix.IntegerUnixChannelOption mtuDiscover = new io.netty.channel.unix.IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
        io.netty.channel.unix.IntegerUnixChannelOption mtuDiscover6 = new io.netty.channel.unix.IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
        try (TurnClient df = turn.client(); TurnClient plain = turn.client()) {
            assertEquals(0, TurnClient.code(df.allocate(w -> w.flag(Attribute.DONT_FRAGMENT)
                    .bytes(Attribute.ADDITIONAL_ADDRESS_FAMILY, new byte[] {2, 0, 0, 0}))));
            assertEquals(0, TurnClient.code(plain.allocate()));
            Allocation a = allocationOf(df);
            assertEquals(2, a.v4.channel.config().getOption(mtuDiscover), "IP_PMTUDISC_DO on the IPv4 relay");
            assertEquals(2, a.v6.channel.config().getOption(mtuDiscover6), "IPV6_PMTUDISC_DO on the IPv6 relay");
            assertNotEquals(2, allocationOf(plain).v4.channel.config().getOption(mtuDiscover), "Linux's default without the attribute");
        }
    }

    private Allocation allocationOf(TurnClient c) {
        return turn.turn.server().table.byId.values().stream().filter(x -> x.client.equals(c.local())).findFirst().orElseThrow();
    }

    @Test
    void killEndsAnAllocationAndItsClientGets437() throws Exception {
        try (TurnClient c = turn.client()) {
            c.allocate();
            long id = turn.turn.allocations().get(0).id();
            assertTrue(turn.turn.kill(id));
            Thread.sleep(100);
            assertFalse(turn.turn.kill(id));
            assertEquals(437, TurnClient.code(c.refresh(600)));
            assertEquals(1, turn.turn.statistics().allocationsEnded());
        }
    }

    /**
     * TURN going off ends every allocation, one still binding its relay too, and an Allocate already
     * past the dispatcher when it went off makes none: nothing is left relaying with no handler to
     * refresh or delete it, holding its port and quota.
     */
    @Test
    void turnGoingOffEndsEveryAllocationAndAnAllocateInFlightMakesNone() throws Exception {
        try (TurnClient c = turn.client(); TurnClient d = turn.client()) {
            TurnClient.relayed(c.allocate());
            TurnServer server = turn.turn.server();
            assertEquals(1, server.allocating(false, "TURN turned off"));
            Thread.sleep(200);
            assertTrue(server.table.byId.isEmpty());
            assertEquals(437, TurnClient.code(c.refresh(600)), "ended");
            assertEquals(508, TurnClient.code(d.allocate()), "an Allocate that reached the relay after TURN went off");
            assertTrue(server.table.byId.isEmpty(), "no allocation made");
            assertEquals(0, turn.turn.statistics().allocations());
            server.allocating(true, null);
            TurnClient.relayed(d.allocate());
            assertEquals(1, turn.turn.statistics().allocations(), "its quota was given back: " + server.table.byId);
        }
    }

    /** enabled = false is what the shell and the status say, not only a log line. */
    @Test
    void theAdministrationSaysWhetherTurnIsOn() {
        assertTrue(turn.turn.enabled());
        turn.reconfigure("enabled", "false");
        assertFalse(turn.turn.enabled());
        turn.reconfigure("enabled", "maybe");
        assertFalse(turn.turn.enabled(), "a bad value changes nothing");
        turn.reconfigure("enabled", "true");
        assertTrue(turn.turn.enabled());
    }

    @Test
    void usersAddedAndRemovedApplyToTheNextRequest() throws Exception {
        try (TurnClient c = TurnClient.udp(turn.udp()).credentials("carol", "pw1")) {
            assertEquals(401, TurnClient.code(c.allocate()));
            turn.turn.add("carol", "pw1", null);
            assertTrue(turn.turn.users().contains("carol@" + TestTurn.REALM));
            assertEquals(0, TurnClient.code(c.allocate()));
            assertTrue(java.nio.file.Files.readString(turn.users).contains("carol:0x"
                    + TestTurn.hex(Integrity.longTermKey("carol", TestTurn.REALM, "pw1", 1)) + ":" + TestTurn.REALM),
                    "stored as the turnadmin -k key, with the realm it was made for");
            assertTrue(turn.turn.remove("carol"));
            assertEquals(401, TurnClient.code(c.refresh(600)), "removed: the next request is refused");
            assertEquals(1, turn.turn.statistics().allocations(), "but the allocation was not dropped");
        }
    }

    @Test
    void aUserFileWithABadLineIsRefusedWholeAndTheUsersStay() throws Exception {
        java.nio.file.Files.writeString(turn.users, "alice:0x1234\n");
        turn.turn.server().users().refresh();
        try (TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()), "alice still works");
        }
    }
}
