package org.gatehouse.stun.message;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;
import javax.crypto.Mac;

/**
 * A STUN message read in place from a Netty buffer. One instance is reused for message after
 * message on one thread: {@link #parse} checks the framing and indexes the attributes without
 * copying, and the accessors read from the buffer. The buffer must stay unchanged while in use.
 *
 * <p>Attributes after MESSAGE-INTEGRITY are ignored, except MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT (RFC 8489 section 14.5); a FINGERPRINT that does not match fails the parse.
 */
public final class StunMessage {

    public static final int HEADER_LENGTH = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    public static final int MAX_ATTRIBUTES = 64;

    private ByteBuf buf;
    private int start;
    private int bodyLength;
    private int type;
    private boolean magicCookie;
    private int count;
    private final int[] types = new int[MAX_ATTRIBUTES];
    private final int[] offsets = new int[MAX_ATTRIBUTES];
    private final int[] lengths = new int[MAX_ATTRIBUTES];
    private int integrity;
    private int integritySha256;
    private int fingerprint;
    private final byte[] mac = new byte[32];

    /** Whether the bytes at the buffer's reader index can be a STUN message (first two bits zero). */
    public static boolean looksLikeStun(ByteBuf buf) {
        return buf.readableBytes() >= HEADER_LENGTH && (buf.getByte(buf.readerIndex()) & 0xC0) == 0;
    }

    /**
     * Reads the readable bytes of {@code buf} as exactly one STUN message. On anything but
     * {@link ParseResult#OK} the accessors must not be used.
     */
    public ParseResult parse(ByteBuf buf) {
        this.buf = buf;
        this.start = buf.readerIndex();
        this.count = 0;
        this.integrity = -1;
        this.integritySha256 = -1;
        this.fingerprint = -1;
        int available = buf.readableBytes();
        if (available < HEADER_LENGTH) {
            return ParseResult.TRUNCATED;
        }
        int t = buf.getUnsignedShort(start);
        if ((t & 0xC000) != 0) {
            return ParseResult.NOT_STUN;
        }
        int len = buf.getUnsignedShort(start + 2);
        if ((len & 3) != 0) {
            return ParseResult.BAD_LENGTH;
        }
        if (available < HEADER_LENGTH + len) {
            return ParseResult.TRUNCATED;
        }
        if (available > HEADER_LENGTH + len) {
            return ParseResult.BAD_LENGTH;
        }
        this.type = t;
        this.bodyLength = len;
        this.magicCookie = buf.getInt(start + 4) == MAGIC_COOKIE;
        int end = start + HEADER_LENGTH + len;
        int pos = start + HEADER_LENGTH;
        boolean afterIntegrity = false;
        while (pos < end) {
            if (end - pos < 4) {
                return ParseResult.ATTRIBUTE_OVERRUN;
            }
            if (fingerprint >= 0) {
                return ParseResult.BAD_FINGERPRINT;
            }
            int at = buf.getUnsignedShort(pos);
            int al = buf.getUnsignedShort(pos + 2);
            int value = pos + 4;
            int padded = (al + 3) & ~3;
            if (padded > end - value) {
                return ParseResult.ATTRIBUTE_OVERRUN;
            }
            boolean record = true;
            if (at == Attribute.FINGERPRINT) {
                if (al != 4) {
                    return ParseResult.BAD_FINGERPRINT;
                }
            } else if (at == Attribute.MESSAGE_INTEGRITY) {
                if (al != 20) {
                    return ParseResult.BAD_INTEGRITY_ATTRIBUTE;
                }
                record = !afterIntegrity;
                afterIntegrity = true;
            } else if (at == Attribute.MESSAGE_INTEGRITY_SHA256) {
                if (al < 16 || al > 32 || (al & 3) != 0) {
                    return ParseResult.BAD_INTEGRITY_ATTRIBUTE;
                }
                record = integritySha256 < 0;
                afterIntegrity = true;
            } else if (afterIntegrity) {
                record = false;
            }
            if (record) {
                if (count == MAX_ATTRIBUTES) {
                    return ParseResult.TOO_MANY_ATTRIBUTES;
                }
                if (at == Attribute.FINGERPRINT) {
                    fingerprint = count;
                } else if (at == Attribute.MESSAGE_INTEGRITY) {
                    integrity = count;
                } else if (at == Attribute.MESSAGE_INTEGRITY_SHA256) {
                    integritySha256 = count;
                }
                types[count] = at;
                offsets[count] = value;
                lengths[count] = al;
                count++;
            }
            pos = value + padded;
        }
        if (fingerprint >= 0) {
            int attrStart = offsets[fingerprint] - 4;
            int expected = ByteBufCrypto.fingerprint(buf, start, attrStart - start);
            if (buf.getInt(offsets[fingerprint]) != expected) {
                return ParseResult.BAD_FINGERPRINT;
            }
        }
        return ParseResult.OK;
    }

    public ByteBuf buffer() {
        return buf;
    }

    /** Index of the first byte of the message in {@link #buffer()}. */
    public int start() {
        return start;
    }

    /** Total size in bytes, header included. */
    public int size() {
        return HEADER_LENGTH + bodyLength;
    }

    public int type() {
        return type;
    }

    public int method() {
        return MessageClass.method(type);
    }

    public int messageClass() {
        return MessageClass.messageClass(type);
    }

    public boolean isRequest() {
        return messageClass() == MessageClass.REQUEST;
    }

    /** False for RFC 3489 clients, whose 16-byte transaction ID takes the cookie's place. */
    public boolean hasMagicCookie() {
        return magicCookie;
    }

    /** The 12-byte transaction ID (for RFC 3489 messages, the last 12 of its 16 bytes). */
    public byte[] transactionId() {
        byte[] id = new byte[12];
        buf.getBytes(start + 8, id);
        return id;
    }

    public boolean sameTransaction(StunMessage other) {
        return buf.getLong(start + 4) == other.buf.getLong(other.start + 4)
                && buf.getLong(start + 12) == other.buf.getLong(other.start + 12);
    }

    public int attributeCount() {
        return count;
    }

    public int attributeType(int index) {
        return types[index];
    }

    /** Index in {@link #buffer()} of the attribute's value. */
    public int valueOffset(int index) {
        return offsets[index];
    }

    public int valueLength(int index) {
        return lengths[index];
    }

    /** Index of the first attribute of {@code attributeType}, or -1. */
    public int find(int attributeType) {
        for (int i = 0; i < count; i++) {
            if (types[i] == attributeType) {
                return i;
            }
        }
        return -1;
    }

    public boolean has(int attributeType) {
        return find(attributeType) >= 0;
    }

    public boolean hasFingerprint() {
        return fingerprint >= 0;
    }

    public boolean hasIntegrity() {
        return integrity >= 0;
    }

    public boolean hasIntegritySha256() {
        return integritySha256 >= 0;
    }

    /**
     * Comprehension-required attributes this codec does not know, written into {@code out}
     * (UNKNOWN-ATTRIBUTES of a 420 answer). Returns how many; at most {@code out.length} are kept.
     */
    public int unknownComprehensionRequired(int[] out) {
        return unknownComprehensionRequired(out, Attribute::isKnown);
    }

    /**
     * Comprehension-required attributes the receiver does not {@code understand}: a server that does
     * not offer an extension passes a predicate that leaves out that extension's attributes.
     */
    public int unknownComprehensionRequired(int[] out, IntPredicate understood) {
        int n = 0;
        for (int i = 0; i < count && n < out.length; i++) {
            int t = types[i];
            if (Attribute.isComprehensionRequired(t) && !understood.test(t)) {
                out[n++] = t;
            }
        }
        return n;
    }

    /** The first four bytes of the value; an attribute shorter than that is an IllegalArgumentException. */
    public int uint32(int index) {
        requireLength(index, 4);
        return buf.getInt(offsets[index]);
    }

    public int uint16(int index) {
        requireLength(index, 2);
        return buf.getUnsignedShort(offsets[index]);
    }

    public int uint8(int index) {
        requireLength(index, 1);
        return buf.getUnsignedByte(offsets[index]);
    }

    private void requireLength(int index, int needed) {
        if (lengths[index] < needed) {
            throw new IllegalArgumentException(Attribute.name(types[index]) + " has " + lengths[index]
                    + " bytes, fewer than " + needed);
        }
    }

    /** The value as UTF-8 text (USERNAME, REALM, NONCE, SOFTWARE, reason phrase...). */
    public String string(int index) {
        return buf.toString(offsets[index], lengths[index], StandardCharsets.UTF_8);
    }

    public byte[] bytes(int index) {
        byte[] b = new byte[lengths[index]];
        buf.getBytes(offsets[index], b);
        return b;
    }

    /** ERROR-CODE number (class * 100 + number), or -1 when malformed. */
    public int errorCode(int index) {
        if (lengths[index] < 4) {
            return -1;
        }
        int cls = buf.getByte(offsets[index] + 2) & 0x07;
        int number = buf.getUnsignedByte(offsets[index] + 3);
        return number > 99 ? -1 : cls * 100 + number;
    }

    /**
     * An address attribute, decoded (XOR-ed where its type says so). Null when the value is not a
     * well-formed IPv4 or IPv6 address.
     */
    public InetSocketAddress address(int index) {
        int at = types[index];
        boolean xor = at == Attribute.XOR_MAPPED_ADDRESS || at == Attribute.XOR_PEER_ADDRESS
                || at == Attribute.XOR_RELAYED_ADDRESS;
        int off = offsets[index];
        int len = lengths[index];
        if (len < 4) {
            return null;
        }
        int family = buf.getUnsignedByte(off + 1);
        int port = buf.getUnsignedShort(off + 2);
        byte[] address;
        if (family == AddressFamily.IPV4 && len == 8) {
            address = new byte[4];
        } else if (family == AddressFamily.IPV6 && len == 20) {
            address = new byte[16];
        } else {
            return null;
        }
        buf.getBytes(off + 4, address);
        if (xor) {
            port ^= MAGIC_COOKIE >>> 16;
            for (int i = 0; i < address.length; i++) {
                // bytes 4..19 of the header: the cookie, then the transaction ID
                address[i] ^= buf.getByte(start + 4 + i);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Address family byte of an address attribute (see {@link AddressFamily}), or -1. */
    public int addressFamily(int index) {
        return lengths[index] < 2 ? -1 : buf.getUnsignedByte(offsets[index] + 1);
    }

    /** Checks MESSAGE-INTEGRITY (HMAC-SHA1) with {@code key}; false when absent or wrong. */
    public boolean verifyIntegrity(byte[] key) {
        return integrity >= 0 && verify(Integrity.hmacSha1(key), integrity);
    }

    /** Checks MESSAGE-INTEGRITY-SHA256 with {@code key}, allowing the truncations RFC 8489 allows. */
    public boolean verifyIntegritySha256(byte[] key) {
        return integritySha256 >= 0 && verify(Integrity.hmacSha256(key), integritySha256);
    }

    private boolean verify(Mac hmac, int index) {
        int attrStart = offsets[index] - 4;
        int lengthThroughAttribute = attrStart + 4 + lengths[index] - (start + HEADER_LENGTH);
        hmac.update((byte) (type >> 8));
        hmac.update((byte) type);
        hmac.update((byte) (lengthThroughAttribute >> 8));
        hmac.update((byte) lengthThroughAttribute);
        ByteBufCrypto.update(hmac, buf, start + 4, attrStart - start - 4);
        try {
            hmac.doFinal(mac, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        int diff = 0;
        for (int i = 0; i < lengths[index]; i++) {
            diff |= mac[i] ^ buf.getByte(offsets[index] + i);
        }
        return diff == 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(Method.name(method())).append(' ').append(MessageClass.name(messageClass()));
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? " [" : ", ").append(Attribute.name(types[i]));
        }
        return (count > 0 ? sb.append(']') : sb).toString();
    }
}
