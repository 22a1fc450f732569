package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.core.IsolatedNetwork;
import org.gatehouse.stun.internal.TestStunServer;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An address of this host that appears while TURN relays (an interface coming up, a virtual address
 * failing over here) gets its own socket beside the wildcard listener within seconds. A client that
 * allocated through the wildcard in between, sending to that address, then has its datagrams arrive
 * on the new socket: its allocation goes on relaying, its requests are answered, nothing is dropped.
 */
class AddressArrivesTest {

    @Test
    @Tag(IsolatedNetwork.TAG)
    void anAllocationMadeThroughTheWildcardKeepsRelayingWhenItsAddressGetsItsOwnSocket() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        InetAddress first = InetAddress.getByName("127.0.0.1");
        InetAddress second = InetAddress.getByName("127.0.0.2");
        AtomicReference<List<InetAddress>> host = new AtomicReference<>(List.of(first));
        TestStunServer stun = new TestStunServer(2, host::get, "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false");
        try (TestTurn turn = new TestTurn(stun, "relay-ip", "127.0.0.1");
                TurnClient c = TurnClient.udp(new InetSocketAddress(second, turn.udp().getPort())).credentials("alice", "secret");
                TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            // 127.0.0.2 has no socket of its own yet: the wildcard takes the Allocate.
            StunMessage answer = c.allocate();
            assertEquals(0, TurnClient.code(answer), answer.toString());
            InetSocketAddress relayed = TurnClient.relayed(answer);
            assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
            assertEquals(0, TurnClient.code(c.channelBind(0x4001, peer.address())));

            host.set(List.of(first, second));
            stun.checkAddresses();

            // Now 127.0.0.2:P is a socket of its own and the client's datagrams arrive there.
            c.sendIndication(peer.address(), "after".getBytes(StandardCharsets.UTF_8));
            Object[] got = peer.receive(2000);
            assertNotNull(got, "a Send indication through the new socket is relayed");
            assertEquals(relayed, got[1]);
            c.sendChannelData(0x4001, "channel".getBytes(StandardCharsets.UTF_8));
            got = peer.receive(2000);
            assertNotNull(got, "ChannelData through the new socket is relayed");
            assertEquals("channel", new String((byte[]) got[0], StandardCharsets.UTF_8));

            peer.send("to client".getBytes(StandardCharsets.UTF_8), relayed);
            byte[] back = c.receive(2000);
            assertNotNull(back, "the peer's answer reaches the client");

            StunMessage refreshed = c.refresh(600);
            assertEquals(0, TurnClient.code(refreshed), "a Refresh through the new socket finds the allocation: " + refreshed);
            assertEquals(1, turn.turn.statistics().allocations(), "the same allocation, not a second one");
            assertEquals(0, TurnClient.code(c.refresh(0)));
            assertEquals(0, turn.turn.statistics().allocations());
        }
    }
}
