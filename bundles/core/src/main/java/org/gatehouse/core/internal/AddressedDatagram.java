package org.gatehouse.core.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.WrappedByteBuf;
import io.netty.channel.AddressedEnvelope;
import java.net.InetSocketAddress;

/**
 * A datagram to {@code recipient} that is its own content buffer, written to an io_uring UDP socket
 * instead of a {@link io.netty.channel.socket.DatagramPacket} so that everything flushed in one loop pass
 * is handed to the kernel in that pass.
 *
 * <p>Netty 4.2's io_uring channel submits a socket's whole flushed backlog (one sendmsg each, in one
 * {@code io_uring_enter}) only when the first queued message is a {@link ByteBuf}; an addressed
 * {@code DatagramPacket} is submitted alone, and the next only when the kernel has completed it, a loop
 * pass later. A listener socket serving many clients therefore sent one datagram per loop pass: under
 * TURN load the loop made a pass per datagram sent (38,000 to 46,000 {@code io_uring_enter} a second at
 * 80,000 relayed packets/s) and, past its capacity, dropped relayed media at the unwritable socket. Being
 * a {@code ByteBuf}, this message takes the batch path; being an {@link AddressedEnvelope}, each is sent
 * to its own recipient there (the datagram channel looks for the envelope first). Netty passes it through
 * unchanged only when its buffer has a memory address (else it would copy the bytes and lose the
 * recipient): {@link #of} says which to use. Made through {@link org.gatehouse.core.EventLoops#datagram}.
 *
 * <p>Reference counting, indexes and bytes are the content's: releasing this releases the content.
 * Derived buffers ({@code slice}, {@code duplicate}, {@code copy}) are plain buffers without the
 * recipient, so no outbound handler that rewrites {@code ByteBuf}s may sit in front of such a socket
 * (none does: the UDP pipelines have none). The recipient is never resolved here: it is always an
 * address a datagram came from, or one that configuration resolved.
 */
final class AddressedDatagram extends WrappedByteBuf implements AddressedEnvelope<ByteBuf, InetSocketAddress> {

    private final InetSocketAddress recipient;

    private AddressedDatagram(ByteBuf content, InetSocketAddress recipient) {
        super(content);
        this.recipient = recipient;
    }

    /**
     * {@code content} to {@code recipient} as one message for an io_uring UDP channel: this type where
     * the content has a memory address (pooled direct buffers), a plain {@code DatagramPacket} otherwise.
     */
    static Object of(ByteBuf content, InetSocketAddress recipient) {
        return content.hasMemoryAddress() ? new AddressedDatagram(content, recipient)
                : new io.netty.channel.socket.DatagramPacket(content, recipient);
    }

    @Override
    public ByteBuf content() {
        return buf;
    }

    @Override
    public InetSocketAddress sender() {
        return null;
    }

    @Override
    public InetSocketAddress recipient() {
        return recipient;
    }

    @Override
    public AddressedDatagram retain() {
        buf.retain();
        return this;
    }

    @Override
    public AddressedDatagram retain(int increment) {
        buf.retain(increment);
        return this;
    }

    @Override
    public AddressedDatagram touch() {
        buf.touch();
        return this;
    }

    @Override
    public AddressedDatagram touch(Object hint) {
        buf.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "AddressedDatagram(" + recipient + ", " + buf + ")";
    }
}
