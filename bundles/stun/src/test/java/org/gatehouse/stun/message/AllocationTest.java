package org.gatehouse.stun.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The Binding hot path — parse a request, write the answer with XOR-MAPPED-ADDRESS, SOFTWARE and
 * FINGERPRINT — allocates nothing per message on the heap for IPv4 clients (measured with the
 * thread's allocation counter after warm-up), and only getAddress()'s 32-byte copy for IPv6.
 */
class AllocationTest {

    private static long allocatedPerMessage(InetSocketAddress client) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        StunMessage request = new StunMessage();
        StunWriter writer = new StunWriter();
        ByteBuf in = Unpooled.directBuffer(64);
        new StunWriter().start(in, MessageClass.type(Method.BINDING, MessageClass.REQUEST), new byte[12]).fingerprint();
        ByteBuf out = Unpooled.directBuffer(256);
        byte[] software = "Gatehouse".getBytes();
        int answer = MessageClass.type(Method.BINDING, MessageClass.SUCCESS_RESPONSE);
        long perMessage = Long.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            int n = 200_000;
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                assertEquals(ParseResult.OK, request.parse(in));
                out.clear();
                StunWriter w = writer.start(out, answer, request).address(Attribute.XOR_MAPPED_ADDRESS, client)
                        .bytes(Attribute.SOFTWARE, software);
                if (request.hasFingerprint()) {
                    w.fingerprint();
                }
            }
            perMessage = Math.min(perMessage, (mx.getCurrentThreadAllocatedBytes() - before) / n);
        }
        in.release();
        out.release();
        return perMessage;
    }

    @Test
    void ipv4AnswerAllocatesNothing() {
        assertEquals(0, allocatedPerMessage(new InetSocketAddress("192.0.2.1", 40000)));
    }

    @Test
    void ipv6AnswerAllocatesOnlyTheAddressCopy() {
        long bytes = allocatedPerMessage(new InetSocketAddress("2001:db8::1", 40000));
        assertTrue(bytes <= 32, bytes + " bytes per message");
    }
}
