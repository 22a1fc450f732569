package org.gatehouse.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import org.gatehouse.core.EventLoops;
import org.junit.jupiter.api.Test;

/**
 * Datagrams made by {@link EventLoops#datagram} (an {@link AddressedDatagram} on io_uring, where the
 * kernel has it, as shipped): a whole flushed batch to several recipients leaves, each datagram to its
 * own recipient with its own bytes, in order, and every buffer is released.
 */
class AddressedDatagramTest {

    private static final int PER_RECIPIENT = 100;

    @Test
    void aFlushedBatchReachesEachRecipient() throws Exception {
        EventLoops loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            a.setReceiveBufferSize(1 << 20);
            b.setReceiveBufferSize(1 << 20);
            a.setSoTimeout(2000);
            b.setSoTimeout(2000);
            Channel ch = loops.datagramBootstrap(InternetProtocolFamily.IPv4).handler(new ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            if (ch instanceof io.netty.channel.uring.IoUringDatagramChannel) {
                // A batch is at most this many sends (see IoUringTransport): 200 datagrams take several passes.
                java.lang.reflect.Field f = ch.getClass().getDeclaredField("sendmsgHdrs");
                f.setAccessible(true);
                Object sends = f.get(ch);
                java.lang.reflect.Method capacity = sends.getClass().getDeclaredMethod("capacity");
                capacity.setAccessible(true);
                assertEquals((int) IoUringTransport.LISTENER_SENDS_IN_FLIGHT, capacity.invoke(sends));
            }
            ByteBuf[] sent = new ByteBuf[2 * PER_RECIPIENT];
            ch.eventLoop().submit(() -> {
                for (int i = 0; i < sent.length; i++) {
                    ByteBuf content = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                    content.writeInt(i).writeZero(i % 40);
                    sent[i] = content;
                    InetSocketAddress to = (InetSocketAddress) (i % 2 == 0 ? a : b).getLocalSocketAddress();
                    Object message = loops.datagram(content, to);
                    ch.write(message, ch.voidPromise());
                }
                ch.flush();
            }).sync();
            for (DatagramSocket s : new DatagramSocket[] {a, b}) {
                int expect = s == a ? 0 : 1;
                for (int k = 0; k < PER_RECIPIENT; k++) {
                    java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[128], 128);
                    s.receive(p);
                    byte[] got = Arrays.copyOf(p.getData(), p.getLength());
                    int index = java.nio.ByteBuffer.wrap(got).getInt();
                    assertEquals(expect, index, "in order, each to its recipient");
                    assertEquals(4 + index % 40, got.length, "its own bytes");
                    assertEquals(ch.localAddress(), p.getSocketAddress());
                    expect += 2;
                }
            }
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (Arrays.stream(sent).anyMatch(s -> s.refCnt() != 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            for (ByteBuf s : sent) {
                assertEquals(0, s.refCnt(), "released once sent");
            }
            ch.close().sync();
        } finally {
            EventLoopsAccess.stop(loops);
        }
    }

    @Test
    void onlyBuffersWithAMemoryAddressTravelAsThemselves() {
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", 9);
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(16).writeInt(7);
        Object m = AddressedDatagram.of(direct, to);
        if (direct.hasMemoryAddress()) {
            AddressedDatagram d = assertInstanceOf(AddressedDatagram.class, m);
            assertSame(direct, d.content());
            assertEquals(to, d.recipient());
            assertSame(d, d.retain());
            assertEquals(2, direct.refCnt());
            d.release();
            assertEquals(1, direct.refCnt());
            d.release();
            assertEquals(0, direct.refCnt(), "releasing it releases the content");
        } else {
            assertInstanceOf(DatagramPacket.class, m);
            ((DatagramPacket) m).release();
        }
        // A heap buffer would be copied by the channel, and the recipient lost with the wrapper.
        Object heap = AddressedDatagram.of(Unpooled.buffer(4).writeInt(7), to);
        DatagramPacket p = assertInstanceOf(DatagramPacket.class, heap);
        assertNotNull(p.recipient());
        p.release();
    }
}
