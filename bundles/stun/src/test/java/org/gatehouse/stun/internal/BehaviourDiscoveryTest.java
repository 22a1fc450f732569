package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import org.gatehouse.core.Listener;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 5780 on two loopback addresses: 127.0.0.1 (primary) and 127.0.0.2 (alternate). */
class BehaviourDiscoveryTest {

    private static final int BINDING_REQUEST = MessageClass.type(Method.BINDING, MessageClass.REQUEST);

    private Responder responder;
    private DatagramSocket client;
    private InetSocketAddress primary;
    private InetSocketAddress alternate;

    @BeforeEach
    void start() throws Exception {
        responder = new Responder("alternate-address", "127.0.0.2:0", "tcp", "false");
        client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        client.setSoTimeout(2000);
        primary = responder.address("udp");
        alternate = responder.component.listeners().stream().map(Listener::address)
                .filter(a -> a.getAddress().getHostAddress().equals("127.0.0.2") && a.getPort() != primary.getPort())
                .findFirst().orElseThrow();
    }

    @AfterEach
    void stop() {
        client.close();
        responder.close();
    }

    private static byte[] request(int changeFlags, int responsePort) {
        ByteBuf out = Unpooled.buffer();
        StunWriter w = new StunWriter().start(out, BINDING_REQUEST, new byte[12]);
        if (changeFlags >= 0) {
            w.uint32(Attribute.CHANGE_REQUEST, changeFlags);
        }
        if (responsePort > 0) {
            w.uint32(Attribute.RESPONSE_PORT, responsePort << 16);
        }
        return ByteBufUtil.getBytes(out);
    }

    private DatagramPacket exchange(DatagramSocket socket, byte[] request, InetSocketAddress to) throws Exception {
        client.send(new DatagramPacket(request, request.length, to));
        byte[] buf = new byte[512];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        return p;
    }

    private static StunMessage parse(DatagramPacket p) {
        return StunClient.parse(java.util.Arrays.copyOf(p.getData(), p.getLength()));
    }

    @Test
    void fourSocketsAndAnswersCarryResponseOriginAndOtherAddress() throws Exception {
        assertEquals(4, responder.component.listeners().size(), responder.component.listeners().toString());
        DatagramPacket p = exchange(client, request(-1, 0), primary);
        StunMessage m = parse(p);
        assertEquals(primary, p.getSocketAddress());
        assertEquals(primary, m.address(m.find(Attribute.RESPONSE_ORIGIN)));
        assertEquals(alternate, m.address(m.find(Attribute.OTHER_ADDRESS)));
        assertEquals(client.getLocalSocketAddress(), m.address(m.find(Attribute.XOR_MAPPED_ADDRESS)));
    }

    @Test
    void changeRequestPicksTheSocketTheAnswerLeavesFrom() throws Exception {
        InetSocketAddress both = alternate;
        InetSocketAddress portOnly = new InetSocketAddress(primary.getAddress(), alternate.getPort());
        InetSocketAddress ipOnly = new InetSocketAddress(alternate.getAddress(), primary.getPort());
        assertEquals(both, exchange(client, request(0x06, 0), primary).getSocketAddress());
        assertEquals(portOnly, exchange(client, request(0x02, 0), primary).getSocketAddress());
        DatagramPacket p = exchange(client, request(0x04, 0), primary);
        assertEquals(ipOnly, p.getSocketAddress());
        assertEquals(ipOnly, parse(p).address(parse(p).find(Attribute.RESPONSE_ORIGIN)));
        // Asked at the alternate socket: OTHER-ADDRESS is the diagonal, the primary address.
        StunMessage m = parse(exchange(client, request(0, 0), alternate));
        assertEquals(primary, m.address(m.find(Attribute.OTHER_ADDRESS)));
    }

    @Test
    void responsePortSendsTheAnswerToAnotherPortOfTheSameHost() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            other.setSoTimeout(2000);
            DatagramPacket p = exchange(other, request(-1, other.getLocalPort()), primary);
            StunMessage m = parse(p);
            assertEquals(client.getLocalSocketAddress(), m.address(m.find(Attribute.XOR_MAPPED_ADDRESS)));
        }
    }

    @Test
    void twoByteResponsePortIsAcceptedAndPaddingWithResponsePortIs400() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            other.setSoTimeout(2000);
            ByteBuf out = Unpooled.buffer();
            new StunWriter().start(out, BINDING_REQUEST, new byte[12])
                    .bytes(Attribute.RESPONSE_PORT, new byte[] {(byte) (other.getLocalPort() >> 8), (byte) other.getLocalPort()});
            assertNotNull(parse(exchange(other, ByteBufUtil.getBytes(out), primary)));

            out = Unpooled.buffer();
            new StunWriter().start(out, BINDING_REQUEST, new byte[12])
                    .uint32(Attribute.RESPONSE_PORT, other.getLocalPort() << 16).zeros(Attribute.PADDING, 8);
            StunMessage m = parse(exchange(client, ByteBufUtil.getBytes(out), primary));
            assertEquals(ErrorCode.BAD_REQUEST, m.errorCode(m.find(Attribute.ERROR_CODE)));
        }
    }

    /**
     * A RESPONSE-PORT that cannot be used gets 400, like a CHANGE-REQUEST of the wrong length: a wrong
     * length, and port 0 (what a client that writes the port as a 32-bit number sends), which no
     * answer could reach.
     */
    @Test
    void responsePortOfTheWrongLengthOrPortZeroGets400() throws Exception {
        int port = client.getLocalPort();
        List<byte[]> values = List.of(new byte[0], new byte[] {1}, new byte[] {(byte) (port >> 8), (byte) port, 0},
                new byte[8], new byte[] {0, 0}, new byte[] {0, 0, (byte) (port >> 8), (byte) port});
        for (byte[] value : values) {
            ByteBuf out = Unpooled.buffer();
            new StunWriter().start(out, BINDING_REQUEST, new byte[12]).bytes(Attribute.RESPONSE_PORT, value);
            StunMessage m = parse(exchange(client, ByteBufUtil.getBytes(out), primary));
            assertEquals(ErrorCode.BAD_REQUEST, m.errorCode(m.find(Attribute.ERROR_CODE)), ByteBufUtil.hexDump(value));
        }
    }

    @Test
    void anAlternateThatClashesWithTheListenAddressIsRefused() throws Exception {
        responder.component.modified(Responder.props("listen", "127.0.0.1:" + primary.getPort(), "tcp", "false",
                "alternate-address", "127.0.0.1:" + (primary.getPort() + 1)));
        assertEquals(4, responder.component.listeners().size(), "refused; the running group stays");
        responder.component.modified(Responder.props("listen", "127.0.0.1:" + primary.getPort(), "tcp", "false",
                "alternate-address", "127.0.0.3:" + primary.getPort()));
        assertEquals(4, responder.component.listeners().size(), "refused; the running group stays");
        assertEquals(alternate, exchange(client, request(0x06, 0), primary).getSocketAddress());
    }

    /** An alternate-address no listen address can use (other family, wildcards only, none) is one WARN naming the key. */
    @Test
    void anAlternateThatAppliesToNoListenAddressIsOneWarning() throws Exception {
        for (String listen : List.of("[::1]:0", "")) {
            try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
                responder.component.modified(Responder.props("listen", listen, "tcp", "false", "alternate-address", "127.0.0.2:0"));
                List<String> warnings = log.lines("WARN");
                assertEquals(1, warnings.size(), log.lines().toString());
                assertTrue(warnings.get(0).contains(": alternate-address = '127.0.0.2:0' applies to no listen address: "
                        + "behaviour discovery (RFC 5780) needs a listen address of the same family (IPv4)"), warnings.get(0));
            }
        }
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            responder.component.modified(Responder.props("listen", "127.0.0.1:0, [::1]:0", "tcp", "false", "alternate-address", "127.0.0.2:0"));
            assertEquals(List.of(), log.lines("WARN"), "applies to 127.0.0.1");
        }
    }

    /**
     * An alternate-address whose sockets cannot be opened (192.0.2.1 is no address of this host) leaves
     * the working group serving, says so in one line naming file and key, and is a problem until fixed.
     * With a fixed alternate port the new sockets need one the working group holds: it closes for the
     * attempt and opens again.
     */
    @Test
    void aBadAlternateKeepsTheWorkingGroupAndIsAProblemUntilFixed() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            port = probe.getLocalPort();
        }
        responder.component.modified(Responder.props("tcp", "false", "alternate-address", "127.0.0.2:" + port));
        InetSocketAddress working = new InetSocketAddress("127.0.0.2", port);
        assertEquals(working, exchange(client, request(0x06, 0), primary).getSocketAddress());
        for (String bad : List.of("192.0.2.1:0", "192.0.2.1:" + port)) {
            try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
                responder.component.modified(Responder.props("tcp", "false", "alternate-address", bad));
                List<String> errors = log.lines("ERROR");
                assertEquals(1, errors.size(), log.lines().toString());
                String line = ": alternate-address: cannot open the RFC 5780 sockets for udp " + IpAddressesFormat.of(primary) + " with " + bad;
                assertTrue(errors.get(0).contains(line), errors.get(0));
                assertTrue(errors.get(0).endsWith("; behaviour discovery goes on there with the previous alternate 127.0.0.2:" + port),
                        errors.get(0));
                List<String> problems = responder.component.problems();
                assertEquals(1, problems.size(), problems.toString());
                assertTrue(problems.get(0).contains(line + " ("), problems.get(0));
            }
            assertEquals(4, responder.component.listeners().size(), responder.component.listeners().toString());
            assertEquals(working, exchange(client, request(0x06, 0), primary).getSocketAddress(), "the working group still answers");
            StunMessage m = parse(exchange(client, request(-1, 0), primary));
            assertEquals(working, m.address(m.find(Attribute.OTHER_ADDRESS)));
        }
        responder.component.modified(Responder.props("tcp", "false", "alternate-address", "127.0.0.3:0"));
        assertEquals(List.of(), responder.component.problems(), "fixed: no longer a problem");
        assertEquals(4, responder.component.listeners().size(), responder.component.listeners().toString());
        assertEquals("127.0.0.3", exchange(client, request(0x06, 0), primary).getAddress().getHostAddress());
    }

    /** IpAddresses.format, as the log writes addresses. */
    private static final class IpAddressesFormat {
        static String of(InetSocketAddress a) {
            return org.gatehouse.core.net.IpAddresses.format(a);
        }
    }

    /**
     * A listen change that cannot be had keeps the listener in force, and with it its behaviour
     * discovery, also through the tries of the new address that fail again; once that address is free
     * the new listener opens and discovery moves to it.
     */
    @Test
    void aListenerKeptInPlaceOfATakenAddressKeepsBehaviourDiscovery() throws Exception {
        responder.close();
        responder = new Responder(2, null, 200, "alternate-address", "127.0.0.2:0", "tcp", "false");
        primary = responder.address("udp");
        int port;
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = taken.getLocalPort();
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + port, "tcp", "false", "alternate-address", "127.0.0.2:0"));
            assertEquals(primary, responder.address("udp"), "kept");
            for (int i = 0; i < 2; i++) {
                StunMessage m = parse(exchange(client, request(0x06, 0), primary));
                assertEquals(-1, m.find(Attribute.ERROR_CODE), "CHANGE-REQUEST still answered, not 420 (pass " + i + ")");
                assertTrue(m.find(Attribute.OTHER_ADDRESS) >= 0);
                Thread.sleep(700); // past a few failed tries
            }
        }
        InetSocketAddress moved = new InetSocketAddress("127.0.0.1", port);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (!responder.address("udp").equals(moved) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(moved, responder.address("udp"), "opened once free");
        StunMessage m = parse(exchange(client, request(0x06, 0), moved));
        assertEquals(-1, m.find(Attribute.ERROR_CODE), "discovery moved with it");
        assertEquals(List.of(), responder.component.problems());
    }

    /** Discovery whose alternate port another program holds opens by itself once it is free, logged once meanwhile. */
    @Test
    void discoveryThatCouldNotOpenOpensOnceItsPortIsFree() throws Exception {
        responder.close();
        DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        int port = taken.getLocalPort();
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            responder = new Responder(2, null, 200, "alternate-address", "127.0.0.2:" + port, "tcp", "false");
            primary = responder.address("udp");
            assertEquals(1, responder.component.problems().size(), responder.component.problems().toString());
            Thread.sleep(700); // past a few failed tries
            assertEquals(1, log.lines("ERROR").size(), "logged once, not at each try: " + log.lines("ERROR"));
        } finally {
            taken.close();
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (!responder.component.problems().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), responder.component.problems());
        StunMessage m = parse(exchange(client, request(0x06, 0), primary));
        assertEquals(-1, m.find(Attribute.ERROR_CODE), "CHANGE-REQUEST answered");
        assertEquals(new InetSocketAddress("127.0.0.2", port), m.address(m.find(Attribute.OTHER_ADDRESS)));
    }

    @Test
    void switchingItOffClosesTheExtraSocketsAndChangeRequestIsUnknownAgain() throws Exception {
        responder.component.modified(Responder.props("listen", "127.0.0.1:" + primary.getPort(), "tcp", "false"));
        assertEquals(1, responder.component.listeners().size());
        StunMessage m = parse(exchange(client, request(0x06, 0), primary));
        assertEquals(ErrorCode.UNKNOWN_ATTRIBUTE, m.errorCode(m.find(Attribute.ERROR_CODE)));
        assertEquals(-1, m.find(Attribute.OTHER_ADDRESS));
    }

    @Test
    void turnutilsStunclientRunsItsRfc5780Checks() throws Exception {
        String tool = CoturnTools.require("turnutils_stunclient", "RFC 5780 interop test");
        String out = CoturnTools.run(List.of(tool, "-f", "-p", String.valueOf(primary.getPort()), "127.0.0.1"), 30);
        System.out.println("[turnutils_stunclient -f]\n" + out);
        assertTrue(out.contains("UDP reflexive addr: 127.0.0.1:"), out);
        assertTrue(out.contains("Other addr: : 127.0.0.2:" + alternate.getPort()), out);
        assertTrue(out.contains("Response origin: : 127.0.0.2:" + alternate.getPort()), out);
        assertTrue(!out.contains("error"), out);
    }
}
