package org.gatehouse.stun.message;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.crypto.Mac;

/** Feeds buffer ranges to MACs and CRCs through Netty's cached NIO view, so no per-call copies. */
final class ByteBufCrypto {

    /** XORed into the CRC-32 of a message to form FINGERPRINT (RFC 8489 section 14.7). */
    static final int FINGERPRINT_XOR = 0x5354554e;

    private static final ThreadLocal<CRC32> CRC = ThreadLocal.withInitial(CRC32::new);

    private ByteBufCrypto() {
    }

    static ByteBuffer view(ByteBuf buf, int index, int length) {
        return buf.nioBufferCount() == 1 ? buf.internalNioBuffer(index, length) : buf.nioBuffer(index, length);
    }

    static void update(Mac mac, ByteBuf buf, int index, int length) {
        if (length > 0) {
            mac.update(view(buf, index, length));
        }
    }

    /** FINGERPRINT value for the {@code length} bytes at {@code index}. */
    static int fingerprint(ByteBuf buf, int index, int length) {
        CRC32 crc = CRC.get();
        crc.reset();
        crc.update(view(buf, index, length));
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }
}
