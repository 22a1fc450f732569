package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StunResponderTest {

    private static final int BINDING_REQUEST = MessageClass.type(Method.BINDING, MessageClass.REQUEST);

    private Responder responder;
    private StunClient client;

    @BeforeEach
    void start() throws Exception {
        responder = new Responder();
        client = new StunClient();
    }

    @AfterEach
    void stop() {
        client.close();
        responder.close();
    }

    /**
     * TURN over TCP on io_uring: a connection's sends count against its write mark until the kernel has
     * completed them, so it is raised above Netty's 64 KiB, or one pass's relayed burst is dropped.
     */
    @Test
    void tcpConnectionsOnIoUringHoldAPassOfMedia() throws Exception {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(responder.address("tcp"), 2000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (responder.component.listenerSet().tcpConnections().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            io.netty.channel.Channel ch = responder.component.listenerSet().tcpConnections().get(0);
            io.netty.channel.WriteBufferWaterMark mark = ch.config().getWriteBufferWaterMark();
            if (responder.loops.transport() == org.gatehouse.core.EventLoops.Transport.IO_URING) {
                assertEquals(ListenerSet.IO_URING_MEDIA_MARK.high(), mark.high());
                assertEquals(ListenerSet.IO_URING_MEDIA_MARK.low(), mark.low());
            } else {
                assertEquals(io.netty.channel.WriteBufferWaterMark.DEFAULT.high(), mark.high());
            }
        }
    }

    static byte[] request(int type, boolean fingerprint, int... extraAttributes) {
        ByteBuf out = Unpooled.buffer();
        byte[] tid = new byte[12];
        new java.util.Random().nextBytes(tid);
        StunWriter w = new StunWriter().start(out, type, tid);
        for (int a : extraAttributes) {
            w.uint32(a, 0);
        }
        if (fingerprint) {
            w.fingerprint();
        }
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void bindingGetsXorMappedAddressSoftwareAndFingerprint() throws Exception {
        byte[] req = request(BINDING_REQUEST, true);
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), req, 2000));
        assertEquals(MessageClass.SUCCESS_RESPONSE, answer.messageClass());
        assertArrayEquals(Arrays.copyOfRange(req, 8, 20), answer.transactionId());
        assertEquals(client.local(), answer.address(answer.find(Attribute.XOR_MAPPED_ADDRESS)));
        assertEquals("Gatehouse", answer.string(answer.find(Attribute.SOFTWARE)));
        assertTrue(answer.hasFingerprint());
    }

    /** The I/O threads (core's, outliving this bundle) hold nothing of it once it stops: no old revision kept after an update. */
    @Test
    void theIoThreadsHoldNothingOfTheResponderOnceItStops() throws Exception {
        for (int i = 0; i < 4; i++) {
            client.exchange(responder.address("udp"), request(BINDING_REQUEST, true), 2000);
        }
        responder.component.deactivate();
        for (io.netty.util.concurrent.EventExecutor loop : responder.loops.group()) {
            assertFalse(loop.submit(Dispatcher::heldOnThisThread).get(5, java.util.concurrent.TimeUnit.SECONDS), loop.toString());
        }
        responder.component.activate(null, Responder.props());
    }

    @Test
    void noFingerprintUnlessTheRequestHadOneAndSoftwareCanBeSwitchedOff() throws Exception {
        responder.component.modified(Responder.props("software", ""));
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), request(BINDING_REQUEST, false), 2000));
        assertTrue(!answer.hasFingerprint());
        assertEquals(-1, answer.find(Attribute.SOFTWARE));
    }

    /**
     * SOFTWARE is at most 32 characters (it goes into every answer, to spoofed UDP requests too: RFC 8489
     * section 14.14's 127 would make a 20-byte request bring back 176 bytes) and printable ASCII (.cfg
     * files are read as ISO-8859-1, so anything else would go out mangled): others are refused with one
     * line naming the key, the value quoted shortened, and the running text stays.
     */
    @Test
    void softwareLongerThan32CharactersOrNotAsciiIsRefusedAndTheLogQuotesItShortened() throws Exception {
        String longest = "G".repeat(32);
        responder.component.modified(Responder.props("software", longest));
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), request(BINDING_REQUEST, false), 2000));
        assertEquals(longest, answer.string(answer.find(Attribute.SOFTWARE)));
        for (String refused : List.of("x".repeat(33), "y".repeat(5000), "Gatehouse \u00c3\u00a9dition")) {
            try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
                responder.component.modified(Responder.props("software", refused));
                List<String> errors = log.lines("ERROR");
                assertEquals(1, errors.size(), errors.toString());
                assertTrue(errors.get(0).contains(": software = '"), errors.get(0));
                assertTrue(errors.get(0).length() < 400, errors.get(0));
                assertTrue(errors.get(0).endsWith("keeping the running STUN configuration"), errors.get(0));
            }
            List<String> problems = responder.component.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains(": software = '") && problems.get(0).contains("keeping the running STUN configuration"),
                    problems.get(0));
            answer = StunClient.parse(client.exchange(responder.address("udp"), request(BINDING_REQUEST, false), 2000));
            assertEquals(longest, answer.string(answer.find(Attribute.SOFTWARE)));
        }
        // The longest text, an IPv6 client: the answer to a bare 20-byte request stays within 4.4 times it.
        assertTrue(client.exchange(responder.address("udp"), request(BINDING_REQUEST, false), 2000).length <= 88);
        responder.component.modified(Responder.props("software", longest));
        assertEquals(List.of(), responder.component.problems(), "a valid file clears the refusal");
    }

    @Test
    void rfc3489ClientGetsMappedAddress() throws Exception {
        byte[] req = request(BINDING_REQUEST, false);
        req[4] = 0x11; // no magic cookie: a 16-byte RFC 3489 transaction ID
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), req, 2000));
        assertEquals(-1, answer.find(Attribute.XOR_MAPPED_ADDRESS));
        assertEquals(client.local(), answer.address(answer.find(Attribute.MAPPED_ADDRESS)));
        assertArrayEquals(Arrays.copyOfRange(req, 4, 20), Arrays.copyOfRange(client.exchange(responder.address("udp"), req, 2000), 4, 20));
    }

    @Test
    void unknownComprehensionRequiredAttributeGets420ListingIt() throws Exception {
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), request(BINDING_REQUEST, true, 0x7777, 0x8777), 2000));
        assertEquals(MessageClass.ERROR_RESPONSE, answer.messageClass());
        assertEquals(ErrorCode.UNKNOWN_ATTRIBUTE, answer.errorCode(answer.find(Attribute.ERROR_CODE)));
        int u = answer.find(Attribute.UNKNOWN_ATTRIBUTES);
        assertEquals(2, answer.valueLength(u), "only the comprehension-required one is listed");
        assertEquals(0x7777, answer.uint16(u));
        assertTrue(answer.hasFingerprint());
    }

    @Test
    void behaviourDiscoveryIsOffSoChangeRequestIsUnknown() throws Exception {
        StunMessage answer = StunClient.parse(client.exchange(responder.address("udp"), request(BINDING_REQUEST, false, Attribute.CHANGE_REQUEST), 2000));
        assertEquals(ErrorCode.UNKNOWN_ATTRIBUTE, answer.errorCode(answer.find(Attribute.ERROR_CODE)));
        assertEquals(Attribute.CHANGE_REQUEST, answer.uint16(answer.find(Attribute.UNKNOWN_ATTRIBUTES)));
    }

    @Test
    void otherMethodsWithoutTurnGet400AndIndicationsAndResponsesAreIgnored() throws Exception {
        InetSocketAddress server = responder.address("udp");
        StunMessage answer = StunClient.parse(client.exchange(server, request(MessageClass.type(Method.ALLOCATE, MessageClass.REQUEST), false), 2000));
        assertEquals(MessageClass.ERROR_RESPONSE, answer.messageClass());
        assertEquals(Method.ALLOCATE, answer.method());
        assertEquals(ErrorCode.BAD_REQUEST, answer.errorCode(answer.find(Attribute.ERROR_CODE)));
        assertNull(client.exchange(server, request(MessageClass.type(Method.BINDING, MessageClass.INDICATION), false), 300));
        assertNull(client.exchange(server, request(MessageClass.type(Method.SEND, MessageClass.INDICATION), false), 300));
        assertNull(client.exchange(server, request(MessageClass.type(Method.BINDING, MessageClass.SUCCESS_RESPONSE), false), 300));
        assertNull(client.exchange(server, new byte[] {0x40, 0, 0, 0}, 300), "ChannelData without TURN is dropped");
        assertEquals(1, responder.component.statistics().indications());
    }

    @Test
    void malformedDatagramsAreDroppedCountedAndNeverAnswered() throws Exception {
        InetSocketAddress server = responder.address("udp");
        byte[] good = request(BINDING_REQUEST, true);
        byte[] badFingerprint = good.clone();
        badFingerprint[good.length - 1] ^= 1;
        byte[] notMultipleOf4 = request(BINDING_REQUEST, false);
        notMultipleOf4[3] = 2;
        byte[] overrun = request(BINDING_REQUEST, false, 0x8888);
        overrun[22] = 0; overrun[23] = 40; // attribute claims 40 bytes
        byte[] lengthMismatch = Arrays.copyOf(request(BINDING_REQUEST, false), 24);
        List<byte[]> bad = List.of(new byte[0], new byte[] {0}, Arrays.copyOf(good, 19), Arrays.copyOf(good, good.length - 4),
                badFingerprint, notMultipleOf4, overrun, lengthMismatch, "GET / HTTP/1.1\r\n\r\n".getBytes(),
                new byte[] {0x40, 0x00, 0x00, 0x08, 1, 2}, new byte[] {0x7f, (byte) 0xff, 0, 0, 1, 2, 3, 4});
        for (byte[] b : bad) {
            assertNull(client.exchange(server, b, 150), "answered " + ByteBufUtil.hexDump(b));
        }
        assertEquals(bad.size(), responder.component.statistics().malformed());
        assertNotNull(client.exchange(server, good, 2000), "the listener still answers");
    }

    /**
     * Junk anyone can send is Internet noise, not a fault of this box: at WARN it would fill
     * gatehouse:status's "Last errors" and push the operator's own errors out. INFO, still counted.
     */
    @Test
    void droppedPacketsAreLoggedAtInfoNotWarn() throws Exception {
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            assertNull(client.exchange(responder.address("udp"), new byte[] {(byte) 0xff, 0, 0, 0, 1, 2, 3, 4}, 300));
            assertEquals(1, responder.component.statistics().malformed());
            assertTrue(log.lines("INFO").stream().anyMatch(l -> l.contains("dropped packet from 127.0.0.1:") && l.contains("not STUN")),
                    log.lines().toString());
            assertEquals(List.of(), warningsAndErrors(log));
        }
    }

    /** Plain text on the TLS port (or a failed handshake) is the same noise: counted, INFO, closed. */
    @Test
    void junkOnTheTlsPortIsCountedAndLoggedAtInfoNotWarn() throws Exception {
        io.netty.handler.ssl.util.SelfSignedCertificate self = new io.netty.handler.ssl.util.SelfSignedCertificate("stun.test");
        io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forServer(self.certificate(), self.privateKey()).build();
        responder.component.bindTls(() -> context);
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog(); Socket s = new Socket()) {
            s.connect(responder.address("tls"), 2000);
            s.setSoTimeout(3000);
            StunClient.write(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertEquals(-1, s.getInputStream().read(), "closed");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (responder.component.statistics().malformed() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, responder.component.statistics().malformed());
            assertTrue(log.lines("INFO").stream().anyMatch(l -> l.contains("STUN tls") && l.contains("TLS: ")), log.lines().toString());
            assertEquals(List.of(), warningsAndErrors(log));
        }
    }

    private static List<String> warningsAndErrors(org.gatehouse.core.CapturedLog log) {
        List<String> out = new java.util.ArrayList<>(log.lines("WARN"));
        out.addAll(log.lines("ERROR"));
        return out;
    }

    @Test
    void tcpFramesMessagesSplitAndCoalesced() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(responder.address("tcp"), 2000);
            s.setSoTimeout(2000);
            byte[] a = request(BINDING_REQUEST, true);
            byte[] b = request(BINDING_REQUEST, false);
            StunClient.write(s, Arrays.copyOf(a, 7));
            Thread.sleep(50);
            byte[] rest = new byte[a.length - 7 + b.length];
            System.arraycopy(a, 7, rest, 0, a.length - 7);
            System.arraycopy(b, 0, rest, a.length - 7, b.length);
            StunClient.write(s, rest);
            StunMessage first = StunClient.parse(StunClient.readMessage(s));
            assertEquals(s.getLocalSocketAddress(), first.address(first.find(Attribute.XOR_MAPPED_ADDRESS)));
            assertTrue(first.hasFingerprint());
            StunMessage second = StunClient.parse(StunClient.readMessage(s));
            assertTrue(!second.hasFingerprint());
            // Garbage cannot be resynchronised on a stream: the connection is closed. (Text such as
            // "GET / HTTP/1.1" starts like a ChannelData frame and waits for its length or the idle timeout.)
            StunClient.write(s, new byte[] {(byte) 0x80, 1, 2, 3, 4, 5, 6, 7});
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void ipv6ClientGetsAnIpv6XorMappedAddress() throws Exception {
        responder.component.modified(Responder.props("listen", "[::1]:0", "tcp", "false"));
        InetSocketAddress server = responder.address("udp");
        try (java.net.DatagramSocket v6 = new java.net.DatagramSocket(new InetSocketAddress("::1", 0))) {
            v6.setSoTimeout(2000);
            byte[] req = request(BINDING_REQUEST, true);
            v6.send(new java.net.DatagramPacket(req, req.length, server));
            byte[] buf = new byte[512];
            java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
            v6.receive(p);
            StunMessage answer = StunClient.parse(Arrays.copyOf(buf, p.getLength()));
            int a = answer.find(Attribute.XOR_MAPPED_ADDRESS);
            assertEquals(org.gatehouse.stun.message.AddressFamily.IPV6, answer.addressFamily(a));
            assertEquals(v6.getLocalSocketAddress(), answer.address(a));
        }
    }

    @Test
    void tcpChannelDataReachesTurnWithoutItsPaddingAndBadLengthsCloseTheConnection() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        responder.component.bindTurn(new TurnHandler() {
            @Override
            public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress from) {
            }

            @Override
            public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress from) {
                seen.add(connection.protocol() + " " + ByteBufUtil.hexDump(frame));
            }
        });
        try (Socket s = new Socket()) {
            s.connect(responder.address("tcp"), 2000);
            s.setSoTimeout(2000);
            // 5 bytes of data padded to 8 on the stream, then a Binding request right behind it.
            StunClient.write(s, new byte[] {0x40, 0x02, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0}, request(BINDING_REQUEST, false));
            assertNotNull(StunClient.parse(StunClient.readMessage(s)));
            assertEquals(List.of("tcp 400200050102030405"), seen);
            // A STUN header whose length is not a multiple of 4 cannot be framed: closed.
            StunClient.write(s, new byte[] {0, 1, 0, 3, 0x21, 0x12, (byte) 0xa4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void removedTcpAddressKeepsItsClientsButStoppingTheResponderClosesThem() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(responder.address("tcp"), 2000);
            s.setSoTimeout(3000);
            StunClient.write(s, request(BINDING_REQUEST, false));
            StunClient.readMessage(s);
            responder.component.modified(Responder.props("listen", "127.0.0.1:0", "tcp", "false"));
            StunClient.write(s, request(BINDING_REQUEST, false));
            assertNotNull(StunClient.parse(StunClient.readMessage(s)), "established client still served");
            responder.component.deactivate();
            assertEquals(-1, s.getInputStream().read(), "closed when the responder stops");
        }
        responder.component.activate(null, Responder.props());
    }

    @Test
    void turnHandlerReceivesOtherMethodsAndChannelDataAndCanAnswer() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        TurnHandler turn = new TurnHandler() {
            @Override
            public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress from) {
                seen.add(Method.name(message.method()));
                ByteBuf out = connection.alloc().ioBuffer();
                new StunWriter().start(out, MessageClass.type(message.method(), MessageClass.SUCCESS_RESPONSE), message)
                        .uint32(Attribute.LIFETIME, 600);
                connection.send(out, from);
            }

            @Override
            public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress from) {
                seen.add("channel " + Integer.toHexString(frame.getUnsignedShort(frame.readerIndex())) + " " + frame.readableBytes());
            }
        };
        responder.component.bindTurn(turn);
        InetSocketAddress server = responder.address("udp");
        StunMessage answer = StunClient.parse(client.exchange(server, request(MessageClass.type(Method.ALLOCATE, MessageClass.REQUEST), false), 2000));
        assertEquals(MessageClass.SUCCESS_RESPONSE, answer.messageClass());
        assertEquals(600, answer.uint32(answer.find(Attribute.LIFETIME)));
        client.udp.send(new java.net.DatagramPacket(new byte[] {0x40, 0x01, 0, 3, 9, 9, 9, 0}, 8, server));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (seen.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of("Allocate", "channel 4001 8"), seen);
        // Binding never goes to TURN.
        assertNotNull(client.exchange(server, request(BINDING_REQUEST, false), 2000));
        assertEquals(2, seen.size());

        responder.component.unbindTurn(turn);
        answer = StunClient.parse(client.exchange(server, request(MessageClass.type(Method.ALLOCATE, MessageClass.REQUEST), false), 2000));
        assertEquals(ErrorCode.BAD_REQUEST, answer.errorCode(answer.find(Attribute.ERROR_CODE)));
    }

    /**
     * Only TURN's own methods reach TURN: any other request (unassigned 0x00D and 0xAAC, RFC 6062's
     * Connect) gets 400 here rather than TURN's 401 with REALM and NONCE; other indications are dropped.
     */
    @Test
    void unknownMethodsGet400AndNeverReachTurn() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        responder.component.bindTurn(new TurnHandler() {
            @Override
            public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress from) {
                seen.add(Method.name(message.method()) + " " + MessageClass.name(message.messageClass()));
            }

            @Override
            public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress from) {
            }
        });
        InetSocketAddress server = responder.address("udp");
        for (int method : new int[] {0x00D, 0xAAC, Method.CONNECT}) {
            StunMessage answer = StunClient.parse(client.exchange(server, request(MessageClass.type(method, MessageClass.REQUEST), true), 2000));
            assertEquals(MessageClass.ERROR_RESPONSE, answer.messageClass());
            assertEquals(method, answer.method());
            assertEquals(ErrorCode.BAD_REQUEST, answer.errorCode(answer.find(Attribute.ERROR_CODE)));
            assertEquals(-1, answer.find(Attribute.REALM));
        }
        long unhandled = responder.component.statistics().unhandled();
        assertNull(client.exchange(server, request(MessageClass.type(0x00D, MessageClass.INDICATION), false), 300));
        assertNull(client.exchange(server, request(MessageClass.type(Method.ALLOCATE, MessageClass.INDICATION), false), 300));
        assertEquals(unhandled + 2, responder.component.statistics().unhandled(), "dropped and counted");
        assertEquals(List.of(), seen);
        // TURN's own methods still reach it.
        for (int method : new int[] {Method.ALLOCATE, Method.REFRESH, Method.CREATE_PERMISSION, Method.CHANNEL_BIND}) {
            client.exchange(server, request(MessageClass.type(method, MessageClass.REQUEST), false), 100);
        }
        client.exchange(server, request(MessageClass.type(Method.SEND, MessageClass.INDICATION), false), 100);
        assertEquals(List.of("Allocate request", "Refresh request", "CreatePermission request", "ChannelBind request",
                "Send indication"), seen);
    }

    @Test
    void replacingTheTurnHandlerKeepsTheNewOne() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        TurnHandler first = recorder("first", seen);
        TurnHandler second = recorder("second", seen);
        responder.component.bindTurn(first);
        // Declarative Services binds the replacement before it unbinds the old one.
        responder.component.bindTurn(second);
        responder.component.unbindTurn(first);
        client.exchange(responder.address("udp"), request(MessageClass.type(Method.ALLOCATE, MessageClass.REQUEST), false), 300);
        assertEquals(List.of("second"), seen);
    }

    private static TurnHandler recorder(String name, List<String> seen) {
        return new TurnHandler() {
            @Override
            public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress from) {
                seen.add(name);
            }

            @Override
            public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress from) {
                seen.add(name);
            }
        };
    }

    @Test
    void listenersChangeLiveAndABadConfigurationKeepsTheRunningOne() throws Exception {
        InetSocketAddress before = responder.address("udp");
        responder.component.modified(Responder.props("listen", "127.0.0.1:0, [::1]:0", "tcp", "false"));
        assertEquals(2, responder.component.listeners().size(), responder.component.listeners().toString());
        assertTrue(responder.component.listeners().stream().allMatch(l -> l.protocol().equals("udp")));
        responder.component.modified(Responder.props("listen", "127.0.0.1:0, 10.0.0.300:3478"));
        assertEquals(2, responder.component.listeners().size(), "bad value refused, listeners unchanged");
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            // Only one of an address and a wildcard of its family on one port could be opened: refused.
            for (String listen : List.of("127.0.0.1:3478, 0.0.0.0:3478", "[::]:3478, 127.0.0.1:3478", "[::1]:3478, [::]:3478")) {
                responder.component.modified(Responder.props("listen", listen, "tcp", "false"));
                assertEquals(2, responder.component.listeners().size(), listen + " refused, listeners unchanged");
            }
            List<String> errors = log.lines("ERROR");
            assertEquals(3, errors.size(), errors.toString());
            assertTrue(errors.get(0).contains("listen = '127.0.0.1:3478, 0.0.0.0:3478'") && errors.get(0).contains("share port 3478"), errors.get(0));
        }
        InetSocketAddress now = responder.address("udp");
        assertNotEquals(0, now.getPort());
        assertNotNull(client.exchange(now, request(BINDING_REQUEST, false), 2000));
        assertTrue(before.getPort() != 0);
    }

    /** An address listed twice is served once, and said: it is often another address mistyped. */
    @Test
    void anAddressListedTwiceIsServedOnceWithOneWarning() throws Exception {
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            responder.component.modified(Responder.props("listen", "127.0.0.1:0, [::1]:0, 127.0.0.1:0", "tcp", "false",
                    "tls-listen", ""));
            assertEquals(2, responder.component.listeners().size(), responder.component.listeners().toString());
            List<String> warnings = log.lines("WARN");
            assertEquals(1, warnings.size(), log.lines().toString());
            assertTrue(warnings.get(0).endsWith(": listen: 127.0.0.1:0 is listed more than once; it is served once"), warnings.get(0));
        }
    }

    @Test
    void aPortInUseIsReportedAndTheOtherListenersServe() throws Exception {
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + taken.getLocalPort() + ", 127.0.0.1:0", "tcp", "false"));
            assertEquals(1, responder.component.listeners().size(), responder.component.listeners().toString());
            InetSocketAddress serving = responder.address("udp");
            assertNotEquals(taken.getLocalPort(), serving.getPort());
            assertNotNull(client.exchange(serving, request(BINDING_REQUEST, false), 2000));
        }
    }

    /** The log names the key the taken address came from: tls-listen for TLS, listen for UDP and TCP. */
    @Test
    void aTakenPortIsLoggedUnderItsOwnKey() throws Exception {
        responder.component.bindTls(() -> null);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + taken.getLocalPort(),
                    "tls-listen", "127.0.0.1:" + taken.getLocalPort()));
            List<String> errors = log.lines("ERROR");
            assertTrue(errors.stream().anyMatch(l -> l.contains(": tls-listen: cannot open tls 127.0.0.1:" + taken.getLocalPort())),
                    errors.toString());
            assertTrue(errors.stream().anyMatch(l -> l.contains(": listen: cannot open tcp 127.0.0.1:" + taken.getLocalPort())),
                    errors.toString());
            assertTrue(errors.stream().noneMatch(l -> l.contains(": listen: cannot open tls")), errors.toString());
        }
    }

    /** A listener moved to a port that is taken keeps serving where it was, instead of leaving nothing. */
    @Test
    void aListenerMovedToATakenPortKeepsServing() throws Exception {
        responder.component.modified(Responder.props("listen", "127.0.0.1:0", "tcp", "false"));
        InetSocketAddress before = responder.address("udp");
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + taken.getLocalPort(), "tcp", "false"));
            assertEquals(1, responder.component.listeners().size(), responder.component.listeners().toString());
            assertEquals(before, responder.address("udp"));
            assertNotNull(client.exchange(before, request(BINDING_REQUEST, false), 2000), "still answering");
            List<String> problems = responder.component.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains(": listen: cannot open udp 127.0.0.1:" + taken.getLocalPort() + " ("), problems.get(0));
            assertTrue(problems.get(0).endsWith("); udp 127.0.0.1:" + before.getPort() + " serves in its place"), problems.get(0));
        }
        responder.component.modified(Responder.props("listen", "[::1]:0", "tcp", "false"));
        assertEquals(List.of(), responder.component.problems(), "resolved");
        assertEquals(1, responder.component.listeners().size(), "a move that can be made is made");
        assertTrue(responder.address("udp").getAddress() instanceof java.net.Inet6Address);
    }

    /**
     * A configured listener that cannot be opened is a Problem service (gatehouse:status lists it) naming
     * the file, key and address and what serves meanwhile, for as long as it lasts; none once it opens.
     */
    @Test
    void aListenerThatCannotOpenIsAProblemServiceUntilItOpens() throws Exception {
        responder.close();
        Registry registry = new Registry();
        responder = new Responder();
        responder.component.deactivate();
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            responder.component.activate(registry.context(), Responder.props("listen", "127.0.0.1:" + taken.getLocalPort(),
                    "tcp", "false"));
            assertEquals(List.of(), responder.component.listeners());
            List<String> problems = registry.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("configuration org.gatehouse.stun: listen: cannot open udp 127.0.0.1:"
                    + taken.getLocalPort() + " ("), problems.get(0));
            assertTrue(problems.get(0).endsWith("); no STUN listener is open"), problems.get(0));
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + taken.getLocalPort() + ", 127.0.0.1:0", "tcp", "false"));
            problems = registry.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).endsWith("); the other listeners keep serving"), problems.get(0));
        }
        responder.component.modified(Responder.props("listen", "127.0.0.1:0", "tcp", "false"));
        assertEquals(List.of(), registry.problems());
        responder.component.deactivate();
        assertEquals(List.of(), registry.services, "everything registered is gone with the component");
        responder.component.activate(null, Responder.props());
    }

    /**
     * A UDP port another program held when the file applied opens once it is free, without the file
     * being touched: tried again meanwhile without a new ERROR, and gone from Problems once open.
     */
    @Test
    void aPortInUseOpensOnceItIsFree() throws Exception {
        responder.component.deactivate();
        responder.component.retryMillis = 200;
        Registry registry = new Registry();
        int port;
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            port = taken.getLocalPort();
            responder.component.activate(registry.context(), Responder.props("listen", "127.0.0.1:" + port + ", 127.0.0.1:0", "tcp", "false"));
            assertEquals(1, registry.problems().size(), registry.problems().toString());
            Thread.sleep(1000);
            assertEquals(1, log.lines("ERROR").size(), "logged once, not at each try: " + log.lines());
            assertEquals(1, responder.component.listeners().size());
        }
        waitFor(() -> registry.problems().isEmpty(), "the freed port opened and left Problems");
        assertEquals(2, responder.component.listeners().size(), responder.component.listeners().toString());
        assertNotNull(client.exchange(new InetSocketAddress("127.0.0.1", port), request(BINDING_REQUEST, false), 2000), "answering on it");
    }

    /** A listener kept in place of one whose port was held moves there once the port is free. */
    @Test
    void aListenerKeptInPlaceOfAHeldPortMovesOnceItIsFree() throws Exception {
        responder.component.deactivate();
        responder.component.retryMillis = 200;
        responder.component.activate(null, Responder.props("listen", "127.0.0.1:0", "tcp", "false"));
        InetSocketAddress before = responder.address("udp");
        int port;
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = taken.getLocalPort();
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + port, "tcp", "false"));
            assertEquals(before, responder.address("udp"), "kept");
        }
        waitFor(() -> responder.component.problems().isEmpty(), "the freed port opened and left Problems");
        assertEquals(1, responder.component.listeners().size(), "the kept listener closed: " + responder.component.listeners());
        assertEquals(port, responder.address("udp").getPort());
    }

    /**
     * A UDP listener kept in place of one whose port another program holds on another address is not
     * closed and opened again by a change of another key (its TURN allocations would end with it).
     */
    @Test
    void aKeptListenerIsLeftAloneWhenAnotherKeyChanges() throws Exception {
        responder.component.deactivate();
        responder.component.retryMillis = 60_000;
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            int port = taken.getLocalPort();
            responder.component.activate(null, Responder.props("listen", "127.0.0.1:" + port, "tcp", "false"));
            InetSocketAddress before = responder.address("udp");
            responder.component.modified(Responder.props("listen", "127.0.0.2:" + port, "tcp", "false"));
            assertEquals(before, responder.address("udp"), "kept");
            try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
                responder.component.modified(Responder.props("listen", "127.0.0.2:" + port, "tcp", "false", "software", "Edge 2"));
                assertEquals(List.of(), log.lines().stream().filter(l -> l.contains("stopped listening")).toList(), log.lines().toString());
                assertEquals(before, responder.address("udp"), "still kept");
                assertTrue(log.lines("ERROR").stream().anyMatch(l -> l.contains("cannot open udp 127.0.0.2:" + port)),
                        "the listener that cannot be had is still named: " + log.lines());
            }
            // A change of the listeners asked for (one added): the kept one on another address than the
            // one that cannot be had is no clash, and is not closed to try that one again.
            try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
                responder.component.modified(Responder.props("listen", "127.0.0.2:" + port + ", 127.0.0.1:0", "tcp", "false"));
                assertEquals(List.of(), log.lines().stream().filter(l -> l.contains("stopped listening on udp 127.0.0.1:" + port)).toList(),
                        log.lines().toString());
                assertTrue(responder.component.listeners().stream().anyMatch(l -> l.address().equals(before)), "still kept");
            }
        }
    }

    /**
     * A file refused at start applies without the refused key: its listen addresses stay as written (the
     * built-in defaults would open STUN and TURN on every interface); a refused listen opens nothing.
     */
    @Test
    void aFileRefusedAtStartKeepsItsListenAddresses() throws Exception {
        responder.component.deactivate();
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            responder.component.activate(null, Responder.props("listen", "127.0.0.1:0", "tcp", "false", "software", "Gatehouse \u2013 Edge"));
            assertFalse(responder.component.listeners().isEmpty());
            assertTrue(responder.component.listeners().stream().allMatch(l -> l.address().getAddress().isLoopbackAddress()),
                    responder.component.listeners().toString());
            assertTrue(log.lines("ERROR").stream().anyMatch(l -> l.contains("software") && l.contains("the rest of the file applies")),
                    log.lines().toString());
        }
        responder.component.deactivate();
        responder.component.activate(null, Responder.props("listen", "127.0.0.1:99999", "tcp", "false"));
        assertEquals(List.of(), responder.component.listeners(), "a refused listen opens nothing");
        responder.component.modified(Responder.props("listen", "127.0.0.1:0", "tcp", "false"));
        assertEquals(1, responder.component.listeners().size(), "the file fixed applies");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "within 15 s: " + what);
            Thread.sleep(50);
        }
    }

    /** A bundle context that keeps what is registered, as the framework would: service objects by interface. */
    private static final class Registry {
        final List<Object[]> services = new CopyOnWriteArrayList<>();

        org.osgi.framework.BundleContext context() {
            ClassLoader loader = StunResponderTest.class.getClassLoader();
            return (org.osgi.framework.BundleContext) java.lang.reflect.Proxy.newProxyInstance(loader,
                    new Class<?>[] {org.osgi.framework.BundleContext.class}, (c, m, a) -> {
                        if (!m.getName().equals("registerService")) {
                            return null;
                        }
                        Object[] entry = {a[0], a[1]};
                        services.add(entry);
                        return java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {org.osgi.framework.ServiceRegistration.class},
                                (r, rm, ra) -> {
                                    if (rm.getName().equals("unregister")) {
                                        services.remove(entry);
                                    }
                                    return null;
                                });
                    });
        }

        List<String> problems() {
            return services.stream().filter(e -> e[0] == org.gatehouse.core.Problem.class)
                    .map(e -> ((org.gatehouse.core.Problem) e[1]).text()).toList();
        }
    }

    @Test
    void aPortAnotherResponderHoldsIsNotSharedSilently() throws Exception {
        try (Responder other = new Responder()) {
            InetSocketAddress taken = other.address("udp");
            responder.component.modified(Responder.props("listen", "127.0.0.1:" + taken.getPort() + ", 127.0.0.1:0", "tcp", "false"));
            assertEquals(1, responder.component.listeners().size(), responder.component.listeners().toString());
            assertNotEquals(taken.getPort(), responder.address("udp").getPort());
        }
    }

    @Test
    void probeFindsTheReflexiveAddressOfAnyStunServer() throws Exception {
        ProbeResult r = responder.component.probe(responder.address("udp"), Duration.ofSeconds(3)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals("Gatehouse", r.software());
        assertEquals(r.local(), r.reflexive(), "no NAT on loopback");
        assertEquals(1, r.requestsSent());
        try (StunClient silent = new StunClient()) {
            Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> responder.component
                    .probe(silent.local(), Duration.ofMillis(1200)).toCompletableFuture().get(5, TimeUnit.SECONDS));
            // Sent at 0 and 500 ms; the next would be due at 1500 ms, past the timeout.
            assertTrue(t.getCause().getMessage().contains("no answer from 127.0.0.1:" + silent.local().getPort() + " to 2 Binding requests"),
                    t.getCause().getMessage());
        }
    }

    /** A closed port is the probe's answer, in its own words; nothing about it goes to the log above DEBUG. */
    @Test
    void probeOfAClosedPortSaysItIsUnreachableAndLogsNothing() throws Exception {
        int closed;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            closed = s.getLocalPort();
        }
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> responder.component
                    .probe(new InetSocketAddress("127.0.0.1", closed), Duration.ofSeconds(4)).toCompletableFuture().get(6, TimeUnit.SECONDS));
            assertTrue(t.getCause().getMessage().startsWith("127.0.0.1:" + closed + ": port unreachable"), t.getCause().getMessage());
            Thread.sleep(200);
            assertEquals(List.of(), log.lines().stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")
                    || l.contains("PortUnreachable")).toList());
        }
    }

    @Test
    void turnutilsStunclientFromCoturnGetsItsReflexiveAddress() throws Exception {
        String tool = CoturnTools.require("turnutils_stunclient", "STUN interop test");
        Process p = new ProcessBuilder(tool, "-p", String.valueOf(responder.address("udp").getPort()), "127.0.0.1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertTrue(out.contains("UDP reflexive addr: 127.0.0.1:"), out);
        assertEquals(0, p.exitValue(), out);
    }

    static Map<String, Object> map(String k, String v) {
        return Map.of(k, v);
    }
}
