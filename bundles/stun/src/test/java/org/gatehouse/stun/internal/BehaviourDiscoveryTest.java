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
