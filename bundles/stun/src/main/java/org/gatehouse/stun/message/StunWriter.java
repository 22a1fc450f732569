package org.gatehouse.stun.message;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Writes one STUN message into a buffer: {@code start}, attributes in order, then optionally
 * {@link #integrity}, {@link #integritySha256} and {@link #fingerprint}. The header's length is kept
 * current after every attribute. One instance is reused on one thread.
 */
public final class StunWriter {

    /**
     * Whether this runtime's Inet4Address.hashCode() is the address itself (as in every OpenJDK);
     * checked once rather than assumed, with getAddress() as the fallback.
     */
    private static final boolean IPV4_HASH_IS_ADDRESS = ipv4HashIsAddress();

    private static boolean ipv4HashIsAddress() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) 255}).hashCode() == 0xC00002FF
                    && InetAddress.getByAddress(new byte[] {10, 1, 2, 3}).hashCode() == 0x0A010203;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private ByteBuf out;
    private int start;
    private byte padding;
    private final byte[] mac = new byte[32];

    /** A message answering or following {@code request}: same transaction ID (and RFC 3489 form). */
    public StunWriter start(ByteBuf out, int type, StunMessage request) {
        begin(out, type);
        out.writeBytes(request.buffer(), request.start() + 4, 16);
        return this;
    }

    /** A new message with the magic cookie and the given 12-byte transaction ID. */
    public StunWriter start(ByteBuf out, int type, byte[] transactionId) {
        if (transactionId.length != 12) {
            throw new IllegalArgumentException("transaction ID must be 12 bytes, not " + transactionId.length);
        }
        begin(out, type);
        out.writeInt(StunMessage.MAGIC_COOKIE);
        out.writeBytes(transactionId);
        return this;
    }

    private void begin(ByteBuf out, int type) {
        this.out = out;
        this.start = out.writerIndex();
        this.padding = 0;
        out.writeShort(type);
        out.writeShort(0);
    }

    /**
     * The byte used to pad attribute values to a multiple of four. Receivers ignore it; zero unless
     * reproducing a peer's bytes exactly (RFC 5769's sample request pads with spaces).
     */
    public StunWriter padding(byte value) {
        this.padding = value;
        return this;
    }

    public StunWriter bytes(int attributeType, byte[] value) {
        header(attributeType, value.length);
        out.writeBytes(value);
        return end(value.length);
    }

    public StunWriter bytes(int attributeType, ByteBuf value, int index, int length) {
        header(attributeType, length);
        out.writeBytes(value, index, length);
        return end(length);
    }

    public StunWriter string(int attributeType, String value) {
        return bytes(attributeType, value.getBytes(StandardCharsets.UTF_8));
    }

    public StunWriter uint32(int attributeType, int value) {
        header(attributeType, 4);
        out.writeInt(value);
        return end(4);
    }

    /** An attribute of {@code length} zero bytes, such as PADDING. */
    public StunWriter zeros(int attributeType, int length) {
        header(attributeType, length);
        out.writeZero(length);
        return end(length);
    }

    /** An attribute with no value, such as DONT-FRAGMENT. */
    public StunWriter flag(int attributeType) {
        header(attributeType, 0);
        return end(0);
    }

    /**
     * An address attribute. XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS are
     * obfuscated with the cookie and transaction ID; IPv4-mapped IPv6 addresses are written as IPv4.
     */
    public StunWriter address(int attributeType, InetSocketAddress address) {
        return address(attributeType, address.getAddress(), address.getPort());
    }

    public StunWriter address(int attributeType, InetAddress address, int port) {
        boolean xor = attributeType == Attribute.XOR_MAPPED_ADDRESS || attributeType == Attribute.XOR_PEER_ADDRESS
                || attributeType == Attribute.XOR_RELAYED_ADDRESS;
        if (IPV4_HASH_IS_ADDRESS && address instanceof Inet4Address) {
            // Every Binding answer carries the client's address: read it without getAddress()'s copy.
            int v4 = address.hashCode();
            header(attributeType, 8);
            out.writeByte(0);
            out.writeByte(AddressFamily.IPV4);
            out.writeShort(xor ? port ^ (StunMessage.MAGIC_COOKIE >>> 16) : port);
            out.writeInt(xor ? v4 ^ StunMessage.MAGIC_COOKIE : v4);
            return end(8);
        }
        byte[] a = address.getAddress();
        if (a.length == 16 && isMapped(a)) {
            a = new byte[] {a[12], a[13], a[14], a[15]};
        }
        int length = 4 + a.length;
        header(attributeType, length);
        out.writeByte(0);
        out.writeByte(a.length == 4 ? AddressFamily.IPV4 : AddressFamily.IPV6);
        out.writeShort(xor ? port ^ (StunMessage.MAGIC_COOKIE >>> 16) : port);
        for (int i = 0; i < a.length; i++) {
            out.writeByte(xor ? a[i] ^ out.getByte(start + 4 + i) : a[i]);
        }
        return end(length);
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** ERROR-CODE with the RFC's reason phrase. */
    public StunWriter errorCode(int code) {
        return errorCode(code, ErrorCode.reasonBytes(code));
    }

    public StunWriter errorCode(int code, String reason) {
        return errorCode(code, reason.getBytes(StandardCharsets.UTF_8));
    }

    private StunWriter errorCode(int code, byte[] reason) {
        int length = 4 + reason.length;
        header(Attribute.ERROR_CODE, length);
        out.writeShort(0);
        out.writeByte(code / 100);
        out.writeByte(code % 100);
        out.writeBytes(reason);
        return end(length);
    }

    public StunWriter unknownAttributes(int[] types, int count) {
        header(Attribute.UNKNOWN_ATTRIBUTES, 2 * count);
        for (int i = 0; i < count; i++) {
            out.writeShort(types[i]);
        }
        return end(2 * count);
    }

    /** MESSAGE-INTEGRITY (HMAC-SHA1) over everything written so far. */
    public StunWriter integrity(byte[] key) {
        return hmac(Attribute.MESSAGE_INTEGRITY, Integrity.hmacSha1(key), 20);
    }

    /** MESSAGE-INTEGRITY-SHA256 (full 32 bytes) over everything written so far. */
    public StunWriter integritySha256(byte[] key) {
        return hmac(Attribute.MESSAGE_INTEGRITY_SHA256, Integrity.hmacSha256(key), 32);
    }

    private StunWriter hmac(int attributeType, Mac hmac, int length) {
        setLength(out.writerIndex() + 4 + length - start - StunMessage.HEADER_LENGTH);
        ByteBufCrypto.update(hmac, out, start, out.writerIndex() - start);
        try {
            hmac.doFinal(mac, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        out.writeShort(attributeType);
        out.writeShort(length);
        out.writeBytes(mac, 0, length);
        return this;
    }

    /** FINGERPRINT over everything written so far; must be the last attribute. */
    public StunWriter fingerprint() {
        setLength(out.writerIndex() + 8 - start - StunMessage.HEADER_LENGTH);
        int crc = ByteBufCrypto.fingerprint(out, start, out.writerIndex() - start);
        out.writeShort(Attribute.FINGERPRINT);
        out.writeShort(4);
        out.writeInt(crc);
        return this;
    }

    public ByteBuf buffer() {
        return out;
    }

    /** Bytes written for this message, header included. */
    public int size() {
        return out.writerIndex() - start;
    }

    private void header(int attributeType, int length) {
        out.writeShort(attributeType);
        out.writeShort(length);
    }

    private StunWriter end(int length) {
        for (int i = length; (i & 3) != 0; i++) {
            out.writeByte(padding);
        }
        setLength(out.writerIndex() - start - StunMessage.HEADER_LENGTH);
        return this;
    }

    private void setLength(int bodyLength) {
        if (bodyLength > 0xFFFF) {
            throw new IllegalArgumentException("STUN message body of " + bodyLength + " bytes exceeds 65535");
        }
        out.setShort(start + 2, bodyLength);
    }
}
