package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import org.gatehouse.stun.message.ChannelData;
import org.gatehouse.stun.message.StunMessage;

/**
 * Splits a TCP/TLS byte stream into STUN messages (20-byte header plus its length) and ChannelData
 * frames (4-byte header plus data, padded to four bytes: RFC 8656 section 12.5). Anything else
 * cannot be resynchronised, so the connection is closed.
 */
final class TcpFrameDecoder extends ByteToMessageDecoder {

    private final Dispatcher dispatcher;
    private final TcpHandler connection;

    TcpFrameDecoder(Dispatcher dispatcher, TcpHandler connection) {
        this.dispatcher = dispatcher;
        this.connection = connection;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < ChannelData.HEADER_LENGTH) {
            return;
        }
        int r = in.readerIndex();
        int firstBits = in.getByte(r) & 0xC0;
        int length = in.getUnsignedShort(r + 2);
        int frame;
        if (firstBits == 0) {
            if ((length & 3) != 0) {
                reject(ctx, in, "STUN length " + length + " is not a multiple of 4");
                return;
            }
            frame = StunMessage.HEADER_LENGTH + length;
        } else if (firstBits == 0x40) {
            if (!ChannelData.isValidChannel(ChannelData.channel(in))) {
                reject(ctx, in, String.format("ChannelData with invalid channel 0x%04x", ChannelData.channel(in)));
                return;
            }
            frame = ChannelData.streamFrameLength(length);
        } else {
            reject(ctx, in, String.format("not STUN or ChannelData (first byte 0x%02x)", in.getByte(r)));
            return;
        }
        if (in.readableBytes() < frame) {
            return;
        }
        ByteBuf slice = in.readRetainedSlice(frame);
        if (firstBits == 0x40) {
            // Hand on the frame without its stream padding, as over UDP.
            slice.writerIndex(slice.readerIndex() + ChannelData.HEADER_LENGTH + length);
        }
        out.add(slice);
    }

    private void reject(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        dispatcher.malformed(connection, (InetSocketAddress) ctx.channel().remoteAddress(), () -> reason + "; connection closed");
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
