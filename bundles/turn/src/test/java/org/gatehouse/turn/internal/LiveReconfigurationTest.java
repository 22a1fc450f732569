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

    /**
     * A change whose new user file names no file or is refused is refused whole: the users in force
     * keep authenticating (their allocations' refreshes would get 401 otherwise), and the other keys
     * of the same change are not applied either.
     */
    @Test
    void aUserFileChangeThatWouldLoseTheUsersIsRefusedWhole() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            turn.reconfigure("userdb", turn.dir.resolve("turn-user").toString(), "realm", "elsewhere.test");
            assertEquals(0, TurnClient.code(c.refresh(600)), "a path with no file behind it: alice stays");
            try (TurnClient other = turn.client()) {
                assertEquals(0, TurnClient.code(other.allocate()), "and the realm of the same change is not applied");
            }
            Files.writeString(turn.dir.resolve("bad-users"), "dave:0x" + TestTurn.hex(org.gatehouse.stun.message.Integrity.longTermKey("dave",
                    TestTurn.REALM, "pw", 1)) + "\neve:0x12\n");
            turn.reconfigure("userdb", turn.dir.resolve("bad-users").toString(), "realm", TestTurn.REALM);
            assertEquals(0, TurnClient.code(c.refresh(600)), "a file with a bad line: alice stays");
            try (TurnClient dave = TurnClient.udp(turn.udp()).credentials("dave", "pw")) {
                assertEquals(401, TurnClient.code(dave.allocate()), "and nobody of the refused file is in");
            }
            Files.writeString(turn.dir.resolve("bad-users"), "dave:0x" + TestTurn.hex(org.gatehouse.stun.message.Integrity.longTermKey("dave",
                    TestTurn.REALM, "pw", 1)) + "\n");
            turn.reconfigure("userdb", turn.dir.resolve("bad-users").toString());
            try (TurnClient dave = TurnClient.udp(turn.udp()).credentials("dave", "pw")) {
                assertEquals(0, TurnClient.code(dave.allocate()), "a good file is taken");
            }
            assertEquals(401, TurnClient.code(c.refresh(600)), "and alice, not in it, is out");
        }
    }

    /** An invalid value of enabled refuses the whole change, not only that key. */
    @Test
    void aBadEnabledValueRefusesTheWholeChange() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            turn.reconfigure("enabled", "maybe", "realm", "elsewhere.test");
            try (TurnClient other = turn.client()) {
                assertEquals(0, TurnClient.code(other.allocate()), "the realm did not change");
            }
            turn.reconfigure("enabled", "true", "realm", "elsewhere.test");
            try (TurnClient again = turn.client()) {
                assertEquals(401, TurnClient.code(again.allocate()), "alice's key was made for the old realm");
            }
        }
    }

    /** turn:user-add on a file that has a bad line says so and changes nothing, instead of seeming to work. */
    @Test
    void addingAUserToAFileWithABadLineIsRefused() throws Exception {
        try (TestTurn turn = new TestTurn()) {
            String before = Files.readString(turn.users) + "eve:0x12\n";
            Files.writeString(turn.users, before);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> turn.turn.add("carol", "pw1", null));
            assertTrue(e.getMessage().contains("line 4"), e.getMessage());
            assertEquals(before, Files.readString(turn.users));
        }
    }
}
