package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.turn.Draining;
import org.junit.jupiter.api.Test;

/**
 * Draining before an upgrade: new Allocate requests are sent to alternate-server (300 Try Alternate,
 * signed, an address of the client's family, the port the request came to when none is given) or
 * refused 508, while the allocation already relaying goes on relaying and refreshing; when it ends the
 * log says the relay is drained; off again, allocations are made here.
 */
class DrainTest {

    @Test
    void newAllocationsGoElsewhereWhileTheOneRelayingGoesOn() throws Exception {
        try (LogCapture log = new LogCapture();
                TestTurn turn = new TestTurn("alternate-server", "[2001:db8::7]:3478, 127.0.0.2, 127.0.0.3:3479");
                TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1");
                TurnClient d = TurnClient.udp(turn.udp()).credentials("bob", "hunter2");
                TurnClient t = TurnClient.tcp(turn.tcp()).credentials("bob", "hunter2")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            echo(c, peer, relayed, (byte) 1);

            Draining drained = turn.turn.drain(true);
            assertNotNull(drained);
            assertEquals(drained, turn.turn.drain(true), "draining again changes nothing");
            assertEquals(1, log.lines("INFO", "TURN: draining (turn:drain)", "300 Try Alternate to [2001:db8::7]:3478, 127.0.0.2 (the port each request came to), 127.0.0.3:3479",
                    "the 1 allocation(s) relaying go on").size(), log.lines("TURN").toString());

            // IPv4 clients get the IPv4 alternates in turn; the first, without a port, at the port asked.
            StunMessage first = d.allocate();
            assertEquals(300, TurnClient.code(first));
            assertTrue(first.hasIntegrity(), "the 300 to an authenticated request is signed");
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), turn.udp().getPort()), alternate(first));
            StunMessage second = d.allocate();
            assertEquals(300, TurnClient.code(second));
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), 3479), alternate(second));
            StunMessage overTcp = t.allocate();
            assertEquals(300, TurnClient.code(overTcp));
            InetSocketAddress tcpAlternate = alternate(overTcp);
            assertTrue(tcpAlternate.equals(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), turn.tcp().getPort()))
                    || tcpAlternate.equals(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), 3479)), tcpAlternate.toString());

            // The allocation made before goes on: it relays, refreshes, its channel too, and takes new permissions.
            echo(c, peer, relayed, (byte) 2);
            assertEquals(0, TurnClient.code(c.refresh(600)));
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())), "a channel binding refreshed");
            assertEquals(0, TurnClient.code(c.createPermission(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))));
            assertEquals(1, turn.turn.statistics().allocations());
            assertEquals(3, turn.turn.draining().redirected());
            assertTrue(log.lines("TURN: drained").isEmpty());

            // Its end is the moment to stop the server, and the log says so.
            assertEquals(0, TurnClient.code(c.refresh(0)));
            TestTurn.waitFor(() -> !log.lines("INFO", "TURN: drained: no allocation left (3 Allocate request(s) turned away").isEmpty(),
                    "the drained line: " + log.lines("TURN"));
            assertEquals(1, log.lines("TURN: drained").size(), log.lines("TURN").toString());

            // Only an IPv6 alternate: an IPv4 client gets 508, nothing made here.
            turn.reconfigure("alternate-server", "[2001:db8::7]");
            assertEquals(508, TurnClient.code(d.allocate()));
            assertEquals(0, turn.turn.statistics().allocations());

            assertNull(turn.turn.drain(false));
            assertEquals(1, log.lines("INFO", "TURN: draining ended").size());
            assertEquals(0, TurnClient.code(d.allocate()), "off again, allocations are made here");
            assertEquals(0, TurnClient.code(t.allocate()));
            assertEquals(2, turn.turn.statistics().allocations());
        }
    }

    /** The port reserved next to an allocation made before draining (RTCP beside RTP) is still handed out here. */
    @Test
    void aReservationMadeBeforeDrainingIsHonoured() throws Exception {
        try (TestTurn turn = new TestTurn("alternate-server", "127.0.0.2"); TurnClient c = turn.client();
                TurnClient d = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
            StunMessage first = c.allocate(w -> w.bytes(Attribute.EVEN_PORT, new byte[] {(byte) 0x80}));
            assertEquals(0, TurnClient.code(first));
            byte[] token = first.bytes(first.find(Attribute.RESERVATION_TOKEN));
            turn.turn.drain(true);
            assertEquals(300, TurnClient.code(d.allocate()));
            StunMessage second = d.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, token));
            assertEquals(0, TurnClient.code(second));
            assertEquals(TurnClient.relayed(first).getPort() + 1, TurnClient.relayed(second).getPort());
            assertEquals(1, turn.turn.draining().redirected());
        }
    }

    /**
     * A list shared by both servers of a pair names this one too: it is passed over (a client sent
     * back here would be turned away again); named alone, it leaves 508. Another port of this host is
     * another server.
     */
    @Test
    void thisServerIsNeverItsOwnAlternate() throws Exception {
        try (TestTurn turn = new TestTurn("alternate-server", "127.0.0.1, 127.0.0.2"); TurnClient c = turn.client()) {
            turn.turn.drain(true);
            for (int i = 0; i < 3; i++) {
                StunMessage answer = c.allocate();
                assertEquals(300, TurnClient.code(answer));
                assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), turn.udp().getPort()), alternate(answer));
            }
            turn.reconfigure("alternate-server", "127.0.0.1:" + turn.udp().getPort());
            assertEquals(508, TurnClient.code(c.allocate()));
            turn.reconfigure("alternate-server", "127.0.0.1:" + (turn.udp().getPort() + 1));
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), turn.udp().getPort() + 1), alternate(c.allocate()));
        }
    }

    /**
     * "Drained" is said each time the last allocation ends while drained (one for a reserved port came
     * after the first time), and never for allocations that stopping TURN ends; drain is refused while
     * TURN is off.
     */
    @Test
    void drainedIsSaidWhenTrueOnly() throws Exception {
        try (LogCapture log = new LogCapture()) {
            TestTurn turn = new TestTurn();
            try (TurnClient c = turn.client(); TurnClient d = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
                StunMessage first = c.allocate(w -> w.bytes(Attribute.EVEN_PORT, new byte[] {(byte) 0x80}));
                byte[] token = first.bytes(first.find(Attribute.RESERVATION_TOKEN));
                turn.turn.drain(true);
                assertEquals(0, TurnClient.code(c.refresh(0)));
                TestTurn.waitFor(() -> log.lines("TURN: drained").size() == 1, "drained once: " + log.lines("TURN"));
                assertEquals(0, TurnClient.code(d.allocate(w -> w.bytes(Attribute.RESERVATION_TOKEN, token))));
                assertEquals(0, TurnClient.code(d.refresh(0)));
                TestTurn.waitFor(() -> log.lines("TURN: drained").size() == 2, "drained again: " + log.lines("TURN"));

                turn.turn.drain(false);
                assertEquals(0, TurnClient.code(c.allocate()));
                turn.turn.drain(true);
                turn.reconfigure("enabled", "false");
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> turn.turn.drain(true));
                assertTrue(e.getMessage().startsWith("TURN is off (enabled = false"), e.getMessage());
            } finally {
                turn.close();
            }
            // Stopping ended the allocation made after "drain off": no "drained" for that.
            TestTurn.waitFor(() -> !log.lines("TURN stopped").isEmpty(), "the allocation ended by stopping: " + log.lines("TURN"));
            Thread.sleep(100);
            assertEquals(2, log.lines("TURN: drained").size(), log.lines("TURN").toString());
        }
    }

    @Test
    void drainingWithNoAlternateServerAnswers508() throws Exception {
        try (LogCapture log = new LogCapture(); TestTurn turn = new TestTurn(); TurnClient c = turn.client()) {
            Draining d = turn.turn.drain(true);
            assertEquals(List.of(), d.alternates());
            assertEquals(1, log.lines("INFO", "TURN: drained: no allocation left (0 Allocate").size(), log.lines("TURN").toString());
            assertEquals(508, TurnClient.code(c.allocate()));
            assertEquals(1, turn.turn.draining().redirected());
            assertEquals(0, turn.turn.statistics().allocations());
        }
    }

    @Test
    void alternateServerIsCheckedLikeEveryKey() throws Exception {
        TurnSettings s = TurnSettings.read(Map.of("alternate-server", "192.0.2.7:3478, [2001:db8::7], 198.51.100.9"));
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 3478),
                new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 0),
                new InetSocketAddress(InetAddress.getByName("198.51.100.9"), 0)), s.alternateServers());
        assertEquals(List.of(), TurnSettings.defaults().alternateServers());
        for (String bad : new String[] {"0.0.0.0", "224.0.0.1:3478", "turn.example.com", "192.0.2.7:70000", "[2001:db8::7"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> TurnSettings.read(Map.of("alternate-server", bad)), bad);
            assertTrue(e.getMessage().contains("alternate-server"), e.getMessage());
        }
    }

    private static InetSocketAddress alternate(StunMessage answer) {
        int at = answer.find(Attribute.ALTERNATE_SERVER);
        assertTrue(at >= 0, "ALTERNATE-SERVER in the 300");
        return answer.address(at);
    }

    /** One ChannelData message to the peer through the relay and back. */
    private static void echo(TurnClient c, TestTurn.Peer peer, InetSocketAddress relayed, byte mark) throws Exception {
        byte[] payload = {mark, 7, 7, 7};
        c.sendChannelData(0x4000, payload);
        Object[] got = peer.receive(2000);
        assertNotNull(got, "the peer got the data");
        assertArrayEquals(payload, (byte[]) got[0]);
        peer.send(payload, relayed);
        byte[] frame = c.receive(2000);
        assertNotNull(frame, "the data came back through the relay");
        assertEquals(8, frame.length);
        assertEquals(mark, frame[4]);
    }
}
