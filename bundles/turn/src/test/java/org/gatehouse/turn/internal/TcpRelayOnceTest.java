package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Over TCP, media-sized ChannelData frames (padded to 4 bytes) reach the peer once each and in order
 * however the byte stream is cut into writes, and the peer's datagrams come back to the client at most
 * once each and in order: the framing never repeats or reorders a frame. (A WebRTC call over TURN/TCP showed
 * more video packets received than sent; this rules the relay out as the source.)
 */
class TcpRelayOnceTest {

    private static final int FRAMES = 2000;

    @Test
    void everyFrameOnceAndInOrderBothWays() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = TurnClient.tcp(turn.tcp()).credentials("alice", "secret");
                TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            Random random = new Random(7);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            List<Integer> lengths = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                int length = 2 + random.nextInt(1200);
                lengths.add(length);
                byte[] frame = new byte[4 + ((length + 3) & ~3)];
                frame[0] = 0x40;
                frame[2] = (byte) (length >> 8);
                frame[3] = (byte) length;
                frame[4] = (byte) (i >> 8);
                frame[5] = (byte) i;
                stream.write(frame);
            }
            byte[] all = stream.toByteArray();
            int sent = 0;
            int received = 0;
            // Cut anywhere, a few frames ahead of the peer at most (its socket buffer is not what is tested).
            while (sent < all.length || received < FRAMES) {
                if (sent < all.length) {
                    int n = Math.min(all.length - sent, 1 + random.nextInt(3000));
                    c.sendRaw(java.util.Arrays.copyOfRange(all, sent, sent + n));
                    sent += n;
                }
                Object[] got;
                while (received < FRAMES && (got = peer.receive(sent < all.length ? 1 : 2000)) != null) {
                    byte[] data = (byte[]) got[0];
                    int index = ((data[0] & 0xff) << 8) | (data[1] & 0xff);
                    assertEquals(received, index, "frame " + received + " next, once");
                    assertEquals(lengths.get(received), data.length);
                    received++;
                }
                if (sent >= all.length && received < FRAMES) {
                    assertEquals(FRAMES, received, "frames the peer got");
                }
            }
            assertNotNull(relayed);
            // Back: datagrams from the peer to the client, each once and in order (read as they come:
            // a client that does not read fills its socket, and the relay drops rather than queues).
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < FRAMES; i++) {
                        byte[] data = new byte[2 + (i * 37) % 1200];
                        data[0] = (byte) (i >> 8);
                        data[1] = (byte) i;
                        peer.send(data, relayed);
                        if (i % 10 == 9) {
                            Thread.sleep(1);
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            sender.start();
            // A client that lags (this test shares its JVM and its pauses with the server) may find media
            // dropped whole, as over UDP; never one repeated or out of order.
            int last = -1;
            int back = 0;
            for (byte[] frame; last < FRAMES - 1 && (frame = c.receive(2000)) != null; back++) {
                int i = ((frame[4] & 0xff) << 8) | (frame[5] & 0xff);
                assertTrue(i > last, "frame " + i + " after " + last + ": once each, in order");
                assertEquals(2 + (i * 37) % 1200, frame.length - 4);
                last = i;
            }
            sender.join();
            assertEquals(FRAMES - 1, last, "the last frame came back");
            assertTrue(back >= FRAMES * 9 / 10, back + " of " + FRAMES + " frames back");
            assertEquals(null, c.receive(300), "nothing more");
        }
    }
}
