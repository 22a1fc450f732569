package org.gatehouse.stun.message;

import static org.gatehouse.stun.message.Rfc5769Vectors.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** RFC 5769 (and RFC 8489 B.1): every vector decodes, verifies and re-encodes byte for byte. */
class Rfc5769Test {

    private final StunMessage message = new StunMessage();
    private final StunWriter writer = new StunWriter();

    @Test
    void sampleRequest() {
        assertEquals(ParseResult.OK, message.parse(Unpooled.wrappedBuffer(REQUEST)));
        assertEquals(Method.BINDING, message.method());
        assertEquals(MessageClass.REQUEST, message.messageClass());
        assertTrue(message.hasMagicCookie());
        assertEquals("STUN test client", message.string(message.find(Attribute.SOFTWARE)));
        assertEquals("evtj:h6vY", message.string(message.find(Attribute.USERNAME)));
        assertEquals(0x6e0001ff, message.uint32(message.find(Attribute.PRIORITY)));
        assertTrue(message.hasFingerprint());
        assertTrue(message.verifyIntegrity(Integrity.shortTermKey(PASSWORD)));
        assertFalse(message.verifyIntegrity(Integrity.shortTermKey(PASSWORD + "x")));
        assertEquals(0, message.unknownComprehensionRequired(new int[8]), "ICE attributes are known");

        ByteBuf out = Unpooled.buffer();
        writer.start(out, message.type(), message).padding((byte) ' ')
                .bytes(Attribute.SOFTWARE, message.bytes(message.find(Attribute.SOFTWARE)))
                .bytes(Attribute.PRIORITY, message.bytes(message.find(Attribute.PRIORITY)))
                .bytes(Attribute.ICE_CONTROLLED, message.bytes(message.find(Attribute.ICE_CONTROLLED)))
                .string(Attribute.USERNAME, "evtj:h6vY")
                .integrity(Integrity.shortTermKey(PASSWORD))
                .fingerprint();
        assertArrayEquals(REQUEST, ByteBufUtil.getBytes(out));
    }

    @Test
    void sampleIpv4Response() throws Exception {
        assertEquals(ParseResult.OK, message.parse(Unpooled.wrappedBuffer(IPV4_RESPONSE)));
        assertEquals(MessageClass.SUCCESS_RESPONSE, message.messageClass());
        InetSocketAddress mapped = message.address(message.find(Attribute.XOR_MAPPED_ADDRESS));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), mapped);
        assertEquals("test vector", message.string(message.find(Attribute.SOFTWARE)));
        assertTrue(message.verifyIntegrity(Integrity.shortTermKey(PASSWORD)));
        reencodeResponse(IPV4_RESPONSE, mapped);
    }

    @Test
    void sampleIpv6Response() throws Exception {
        assertEquals(ParseResult.OK, message.parse(Unpooled.wrappedBuffer(IPV6_RESPONSE)));
        InetSocketAddress mapped = message.address(message.find(Attribute.XOR_MAPPED_ADDRESS));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853), mapped);
        assertTrue(message.verifyIntegrity(Integrity.shortTermKey(PASSWORD)));
        reencodeResponse(IPV6_RESPONSE, mapped);
    }

    private void reencodeResponse(byte[] vector, InetSocketAddress mapped) {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            writer.start(out, message.type(), message).padding((byte) ' ')
                    .string(Attribute.SOFTWARE, "test vector")
                    .address(Attribute.XOR_MAPPED_ADDRESS, mapped)
                    .integrity(Integrity.shortTermKey(PASSWORD))
                    .fingerprint();
            assertArrayEquals(vector, ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void sampleRequestWithLongTermAuthentication() {
        assertEquals(ParseResult.OK, message.parse(Unpooled.wrappedBuffer(LONG_TERM_REQUEST)));
        assertEquals(LONG_TERM_USERNAME, message.string(message.find(Attribute.USERNAME)));
        assertEquals(LONG_TERM_NONCE, message.string(message.find(Attribute.NONCE)));
        assertEquals(LONG_TERM_REALM, message.string(message.find(Attribute.REALM)));
        assertFalse(message.hasFingerprint());
        byte[] key = Integrity.longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, LONG_TERM_PASSWORD, Integrity.ALGORITHM_MD5);
        assertTrue(message.verifyIntegrity(key));
        assertFalse(message.verifyIntegrity(Integrity.longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, "TheMatrix", Integrity.ALGORITHM_MD5)));

        ByteBuf out = Unpooled.buffer();
        writer.start(out, message.type(), message)
                .string(Attribute.USERNAME, LONG_TERM_USERNAME)
                .string(Attribute.NONCE, LONG_TERM_NONCE)
                .string(Attribute.REALM, LONG_TERM_REALM)
                .integrity(key);
        assertArrayEquals(LONG_TERM_REQUEST, ByteBufUtil.getBytes(out));
    }

    @Test
    void rfc8489SampleWithUserhashAndSha256Integrity() {
        assertEquals(ParseResult.OK, message.parse(Unpooled.wrappedBuffer(LONG_TERM_SHA256_REQUEST)));
        assertArrayEquals(Integrity.userHash(LONG_TERM_USERNAME, LONG_TERM_REALM), message.bytes(message.find(Attribute.USERHASH)));
        assertEquals(Integrity.ALGORITHM_SHA256, message.uint16(message.find(Attribute.PASSWORD_ALGORITHM)));
        byte[] key = Integrity.longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, LONG_TERM_PASSWORD, Integrity.ALGORITHM_SHA256);
        assertTrue(message.verifyIntegritySha256(key));

        ByteBuf out = Unpooled.buffer();
        writer.start(out, message.type(), message)
                .bytes(Attribute.USERHASH, Integrity.userHash(LONG_TERM_USERNAME, LONG_TERM_REALM))
                .string(Attribute.NONCE, SHA256_NONCE)
                .string(Attribute.REALM, LONG_TERM_REALM)
                .uint32(Attribute.PASSWORD_ALGORITHM, Integrity.ALGORITHM_SHA256 << 16)
                .integritySha256(key);
        assertArrayEquals(LONG_TERM_SHA256_REQUEST, ByteBufUtil.getBytes(out));
    }

    @Test
    void aFlippedBitBreaksTheFingerprint() {
        byte[] copy = REQUEST.clone();
        copy[30] ^= 1;
        assertEquals(ParseResult.BAD_FINGERPRINT, message.parse(Unpooled.wrappedBuffer(copy)));
    }
}
