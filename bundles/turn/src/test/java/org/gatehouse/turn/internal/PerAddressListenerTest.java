package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.gatehouse.core.IsolatedNetwork;
import org.gatehouse.stun.internal.TestStunServer;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.turn.AllocationInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TURN behind a wildcard STUN listener on a host with two addresses (127.0.0.1 and 127.0.0.2: Linux
 * loopback takes all of 127.0.0.0/8): a client of the second address, through a connected socket,
 * gets its answers from it, a relay on it (no relay-ip: the address the request arrived on), and
 * turn:allocations names it as the server side of the 5-tuple.
 */
class PerAddressListenerTest {

    @Test
    @Tag(IsolatedNetwork.TAG)
    void anAllocationThroughTheSecondAddressIsServedAndRelayedThere() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        InetAddress first = InetAddress.getByName("127.0.0.1");
        InetAddress second = InetAddress.getByName("127.0.0.2");
        TestStunServer stun = new TestStunServer(2, () -> List.of(first, second),
                "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false");
        try (TestTurn turn = new TestTurn(stun, "relay-ip", "");
                TurnClient c = TurnClient.udp(new InetSocketAddress(second, turn.udp().getPort())).connected()
                        .credentials("alice", "secret");
                TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            StunMessage answer = c.allocate();
            assertEquals(0, TurnClient.code(answer), answer.toString());
            InetSocketAddress relayed = TurnClient.relayed(answer);
            assertEquals(second, relayed.getAddress(), "relayed on the address the request arrived on");
            AllocationInfo info = turn.turn.allocations().get(0);
            assertEquals(c.server, info.server(), "the 5-tuple's server address");
            assertEquals(c.local(), info.client());

            assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
            c.sendIndication(peer.address(), "hello peer".getBytes(StandardCharsets.UTF_8));
            Object[] got = peer.receive(2000);
            assertNotNull(got, "Send indication relayed");
            assertEquals(relayed, got[1]);
            peer.send("hello client".getBytes(StandardCharsets.UTF_8), relayed);
            byte[] back = c.receive(2000);
            assertNotNull(back, "the Data indication reaches the connected client");
            StunMessage data = TurnClient.parse(back);
            assertEquals(MessageClass.type(Method.DATA, MessageClass.INDICATION), data.type());
            assertEquals("hello client", data.string(data.find(Attribute.DATA)));
            assertEquals(0, TurnClient.code(c.refresh(0)), "the allocation ends through the same socket");
            assertEquals(0, turn.turn.statistics().allocations());
        }
    }
}
