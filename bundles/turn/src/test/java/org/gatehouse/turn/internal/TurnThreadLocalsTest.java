package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Once the TURN component stops, the I/O threads (core's, which outlive this bundle) hold nothing of
 * it: after an update of the bundle no old revision stays reachable from them.
 */
class TurnThreadLocalsTest {

    @Test
    void theIoThreadsHoldNothingOfTurnOnceItStops() throws Exception {
        try (TestTurn turn = new TestTurn(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1"); TurnClient c = turn.client()) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.createPermission(peer.address())));
            c.sendIndication(peer.address(), "hello peer".getBytes(StandardCharsets.UTF_8));
            assertNotNull(peer.receive(2000), "relayed to the peer");
            peer.send("hello client".getBytes(StandardCharsets.UTF_8), relayed);
            assertNotNull(c.receive(2000), "relayed to the client");
            turn.turn.deactivate();
            for (EventExecutor loop : turn.stun.loops.group()) {
                assertFalse(loop.submit(Answers::heldOnThisThread).get(5, TimeUnit.SECONDS), "writer: " + loop);
                assertFalse(loop.submit(ClientFlusher::heldOnThisThread).get(5, TimeUnit.SECONDS), "flusher: " + loop);
            }
        }
    }
}
