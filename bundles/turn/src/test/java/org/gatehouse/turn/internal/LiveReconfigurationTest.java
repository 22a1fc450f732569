package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An allocation keeps relaying, both ways, while everything an operator can change is changed:
 * external address, relay addresses, port range, users (its own user removed and re-added), quotas,
 * bandwidth cap, peer lists, realm. Not one packet may be lost on loopback.
 */
class LiveReconfigurationTest {

    @Test
    void streamingAllocationSurvivesEveryChange() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger echoed = new AtomicInteger();
            Thread echo = new Thread(() -> {
                try {
                    while (running.get()) {
                        Object[] got = peer.receive(200);
                        if (got != null) {
                            peer.send((byte[]) got[0], relayed);
                            echoed.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            echo.start();
            int sent = 0;
            int received = 0;
            String[][] changes = {
                {"external-ip", "203.0.113.7"},
                {"relay-ip", "127.0.0.2"},
                {"min-port", "62000", "max-port", "62100"},
                {"user-quota", "1", "total-quota", "1"},
                {"max-bps", "1000000"},
                {"denied-peer-ip", "198.51.100.0/24", "allowed-peer-ip", "127.0.0.0/8"},
                {"realm", "other.example"},
                {"unauthenticated-rate-limit", "1"},
            };
            int round = 0;
            long end = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < end || round < changes.length + 2) {
                if (sent % 25 == 0) {
                    if (round < changes.length) {
                        turn.reconfigure(changes[round]);
                    } else if (round == changes.length) {
                        // Its own user's line removed, then written back with bob's.
                        Files.writeString(turn.users, "bob:hunter2\n");
                        turn.turn.server().users().refresh();
                        Files.writeString(turn.users, "alice:0x" + TestTurn.hex(org.gatehouse.stun.message.Integrity.longTermKey("alice",
                                TestTurn.REALM, "secret", 1)) + "\nbob:hunter2\n");
                        turn.turn.server().users().refresh();
                    }
                    round++;
                }
                byte[] payload = {(byte) (sent >> 8), (byte) sent, 1, 2};
                c.sendChannelData(0x4000, payload);
                sent++;
                byte[] frame = c.receive(1000);
                if (frame != null && frame.length == 8 && frame[4] == payload[0] && frame[5] == payload[1]) {
                    received++;
                }
                Thread.sleep(2);
            }
            running.set(false);
            echo.join();
            assertEquals(sent, received, "every packet went to the peer and came back through the relay");
            assertEquals(1, turn.turn.statistics().allocations());
            assertTrue(turn.turn.allocations().get(0).packetsToPeers() >= sent);
            assertEquals(relayed, turn.turn.allocations().get(0).relayed().get(0), "the relayed address it was given stays");
            // The realm changed under it: the allocation refreshes in the realm it was made in, with the
            // key its user has there, also after a fresh challenge (438 names that realm).
            assertEquals(0, TurnClient.code(c.refresh(600)), "refreshed after the realm change");
            c.nonce = "obMatJos2" + "x".repeat(32);
            assertEquals(0, TurnClient.code(c.refresh(600)), "refreshed after a new nonce");
            assertEquals(TestTurn.REALM, c.realm);
            try (TurnClient other = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
                assertEquals(486, TurnClient.code(other.allocate()), "the new total quota applies to new allocations");
            }
        }
    }
}
