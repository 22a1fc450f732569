package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.AddressFamily;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;

/**
 * Coverage-guided fuzzing (Jazzer) of everything a datagram meets: the parser with every accessor,
 * and the dispatcher that decides what to answer. Inputs are read through a bounded slice of a larger
 * buffer, so a read past the datagram throws instead of passing silently.
 *
 * <p>Plain {@code mvn test} replays the saved inputs; the {@code fuzz} executions in the POM fuzz for
 * a bounded time (JAZZER_FUZZ=1).
 */
class DispatcherFuzzTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    /**
     * One for every input, as the responder has one: its once-a-minute line per source holds, where a
     * new one per input logged every malformed input (half a gigabyte of test report per fuzzing run).
     */
    private static final MalformedLog MALFORMED_LOG = new MalformedLog();

    private static ByteBuf bounded(byte[] data) {
        byte[] padded = new byte[data.length + 64];
        System.arraycopy(data, 0, padded, 0, data.length);
        java.util.Arrays.fill(padded, data.length, padded.length, (byte) 0x5a);
        return Unpooled.wrappedBuffer(padded).slice(0, data.length);
    }

    @FuzzTest(maxDuration = "30s")
    void parserEitherAcceptsOrRejectsWithoutThrowing(byte[] data) {
        StunMessage m = new StunMessage();
        ByteBuf in = bounded(data);
        ParseResult r = m.parse(in);
        if (r != ParseResult.OK) {
            return;
        }
        assertEquals(data.length, m.size());
        int[] unknown = new int[16];
        m.unknownComprehensionRequired(unknown);
        m.verifyIntegrity(new byte[] {1, 2, 3});
        m.verifyIntegritySha256(new byte[] {1, 2, 3});
        for (int i = 0; i < m.attributeCount(); i++) {
            int t = m.attributeType(i);
            assertTrue(m.valueOffset(i) + m.valueLength(i) <= in.writerIndex());
            m.string(i);
            if (t == Attribute.XOR_MAPPED_ADDRESS || t == Attribute.MAPPED_ADDRESS || t == Attribute.XOR_PEER_ADDRESS
                    || t == Attribute.XOR_RELAYED_ADDRESS || t == Attribute.ALTERNATE_SERVER || t == Attribute.OTHER_ADDRESS) {
                InetSocketAddress a = m.address(i);
                int family = m.addressFamily(i);
                assertTrue(a == null || family == AddressFamily.IPV4 || family == AddressFamily.IPV6);
            } else if (t == Attribute.ERROR_CODE) {
                int code = m.errorCode(i);
                assertTrue(code == -1 || (code >= 0 && code < 800));
            } else if (m.valueLength(i) >= 4) {
                m.uint32(i);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void malformedInputIsNeverAnsweredAndAnswersStaySmall(byte[] data) {
        Statistics stats = new Statistics();
        Dispatcher d = new Dispatcher(stats, MALFORMED_LOG);
        d.software("Gatehouse".getBytes());
        Capture connection = new Capture();
        d.handle(bounded(data), connection, CLIENT);
        if (stats.malformed.sum() > 0) {
            assertTrue(connection.sent.isEmpty(), "a malformed packet was answered");
        }
        assertTrue(connection.sent.size() <= 1);
        for (ByteBuf b : connection.sent) {
            StunMessage answer = new StunMessage();
            assertEquals(ParseResult.OK, answer.parse(b), "the answer itself is well-formed");
            // Binding success: 20 + XOR-MAPPED-ADDRESS (<= 24) + SOFTWARE (12) + FINGERPRINT (8);
            // errors: 20 + ERROR-CODE (<= 36) + UNKNOWN-ATTRIBUTES (<= 36) + SOFTWARE + FINGERPRINT.
            assertTrue(b.readableBytes() <= 20 + 36 + 36 + 12 + 8, "answer of " + b.readableBytes() + " bytes");
            b.release();
        }
    }

    /** Records what the dispatcher sends. */
    static final class Capture implements StunConnection {
        final List<ByteBuf> sent = new ArrayList<>();

        @Override
        public String protocol() {
            return "udp";
        }

        @Override
        public boolean isStream() {
            return false;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
        }

        @Override
        public EventLoop eventLoop() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ByteBufAllocator alloc() {
            return UnpooledByteBufAllocator.DEFAULT;
        }

        @Override
        public void send(ByteBuf message, InetSocketAddress client) {
            sent.add(message);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
