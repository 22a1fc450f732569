package org.gatehouse.stun.message;

import io.netty.buffer.ByteBuf;

/**
 * ChannelData framing (RFC 8656 section 12.4): a 2-byte channel number, a 2-byte length, then the
 * application data; padded to a multiple of four over TCP and TLS. Channel numbers are
 * 0x4000-0x7FFF as RFC 5766 defined them: RFC 8656 narrowed new bindings to 0x4000-0x4FFF, but the
 * clients of RFC 5766 servers (coturn's own among them) still bind numbers above 0x4FFF, and nothing
 * else on the 3478 port starts with the bits 01.
 */
public final class ChannelData {

    public static final int HEADER_LENGTH = 4;
    public static final int MIN_CHANNEL = 0x4000;
    public static final int MAX_CHANNEL = 0x7FFF;

    private ChannelData() {
    }

    /** Whether the first byte at the reader index starts a ChannelData frame (first two bits 01). */
    public static boolean isChannelData(ByteBuf buf) {
        return buf.isReadable() && (buf.getByte(buf.readerIndex()) & 0xC0) == 0x40;
    }

    public static boolean isValidChannel(int channel) {
        return channel >= MIN_CHANNEL && channel <= MAX_CHANNEL;
    }

    /** Channel number of the frame at the reader index. */
    public static int channel(ByteBuf buf) {
        return buf.getUnsignedShort(buf.readerIndex());
    }

    /** Application data length declared by the frame at the reader index. */
    public static int dataLength(ByteBuf buf) {
        return buf.getUnsignedShort(buf.readerIndex() + 2);
    }

    /**
     * Whether the readable bytes hold one well-formed frame: a valid channel and a declared length
     * that fits. Over UDP up to three padding bytes may follow the data.
     */
    public static boolean isWellFormed(ByteBuf buf) {
        int available = buf.readableBytes();
        if (available < HEADER_LENGTH || !isValidChannel(channel(buf))) {
            return false;
        }
        int length = dataLength(buf);
        return length <= available - HEADER_LENGTH && available - HEADER_LENGTH - length <= 3;
    }

    /** Frame size on a stream transport: header, data and padding to a multiple of four. */
    public static int streamFrameLength(int dataLength) {
        return HEADER_LENGTH + ((dataLength + 3) & ~3);
    }

    /** Writes a frame header; the caller writes the data (and, on streams, the padding). */
    public static void writeHeader(ByteBuf out, int channel, int dataLength) {
        out.writeShort(channel);
        out.writeShort(dataLength);
    }
}
