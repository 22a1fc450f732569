package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Over TLS, every message to the client travels in a TLS record of its own, as coturn sends it (one
 * SSL_write each), even when the relay queued many for one client in one loop pass and flushed them
 * together. coturn's turnutils_uclient, and clients built like it, take what one SSL_read returns (one
 * record) as one message: two messages in one record were counted as one and the other lost (seen in CI
 * as 2 of 160 lost over TLS). A byte counter between the client and the server reads the record headers.
 */
class TlsRecordPerMessageTest {

    private static final int MESSAGES = 200;
    private static final int APPLICATION_DATA = 23;

    @Test
    void oneRecordPerRelayedMessage() throws Exception {
        try (TestTurn turn = new TestTurn(); RecordCounter counter = new RecordCounter(turn.tls());
                TurnClient c = TurnClient.tls(counter.address()).credentials("alice", "secret");
                TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            InetSocketAddress relayed = TurnClient.relayed(c.allocate());
            assertNotNull(relayed);
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            // Whatever the handshake and the answers took (a TLS 1.3 session ticket comes as application data too).
            Thread.sleep(200);
            int before = counter.records.get();
            // As fast as the peer can send: the relay socket reads many in one pass and queues them together.
            for (int i = 0; i < MESSAGES; i++) {
                byte[] data = new byte[160];
                data[0] = (byte) (i >> 8);
                data[1] = (byte) i;
                peer.send(data, relayed);
                if (i % 50 == 49) {
                    Thread.sleep(1); // bursts of 50, well within the relay socket's receive buffer
                }
            }
            int received = 0;
            byte[] frame;
            while (received < MESSAGES && (frame = c.receive(2000)) != null) {
                assertEquals(0x40, frame[0] & 0xff, "ChannelData on channel 0x4000");
                assertEquals(received, ((frame[4] & 0xff) << 8) | (frame[5] & 0xff), "in order");
                received++;
            }
            assertEquals(MESSAGES, received, "every datagram came back over TLS (loopback, no loss)");
            long end = System.currentTimeMillis() + 2000;
            while (counter.records.get() - before < MESSAGES && System.currentTimeMillis() < end) {
                Thread.sleep(10);
            }
            int records = counter.records.get() - before;
            assertEquals(MESSAGES, records, "TLS records for " + MESSAGES + " ChannelData messages");
            assertTrue(turn.turn.statistics().packetsToClients() >= MESSAGES);
        }
    }

    /**
     * Forwards one TCP connection to {@code target} and counts the application-data TLS records the
     * server sends (record header: type, version, length).
     */
    private static final class RecordCounter implements AutoCloseable {
        final AtomicInteger records = new AtomicInteger();
        private final ServerSocket listener;
        private final InetSocketAddress target;
        private volatile Socket client;
        private volatile Socket server;

        RecordCounter(InetSocketAddress target) throws IOException {
            this.target = target;
            listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
            Thread accept = new Thread(this::run, "tls-record-counter");
            accept.setDaemon(true);
            accept.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        private void run() {
            try {
                client = listener.accept();
                server = new Socket();
                server.connect(target, 2000);
                Thread up = new Thread(() -> pump(client, server), "tls-record-counter-up");
                up.setDaemon(true);
                up.start();
                DataInputStream in = new DataInputStream(server.getInputStream());
                OutputStream out = client.getOutputStream();
                byte[] header = new byte[5];
                while (true) {
                    in.readFully(header);
                    int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                    byte[] body = new byte[length];
                    in.readFully(body);
                    if (header[0] == APPLICATION_DATA) {
                        records.incrementAndGet();
                    }
                    out.write(header);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException closed) {
                // the test ended
            }
        }

        private static void pump(Socket from, Socket to) {
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                byte[] buf = new byte[16384];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException closed) {
                // the test ended
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : new Socket[] {client, server}) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
