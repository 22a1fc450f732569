package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * Coverage-guided fuzzing (Jazzer) of the TURN methods behind authentication: each input is a
 * method, a few flags and raw attribute bytes, sent as a request (or Send indication) that carries
 * valid credentials, so the fuzzer reaches Allocate, Refresh, CreatePermission and ChannelBind with
 * any attributes. Allocations persist across inputs. Nothing may throw, every answer must parse and
 * answer the request's transaction, and no relay port or quota may leak (checked at the end).
 *
 * <p>Plain {@code mvn test} replays the saved inputs; the {@code fuzz-turn} execution in the POM fuzzes
 * for a bounded time (JAZZER_FUZZ=1).
 */
class TurnFuzzTest {

    private static final int[] METHODS = {Method.ALLOCATE, Method.REFRESH, Method.CREATE_PERMISSION, Method.CHANNEL_BIND,
        Method.SEND, Method.CONNECT, Method.BINDING};
    private static TestTurn turn;
    private static Capture[] clients;

    private static synchronized void start() throws Exception {
        if (turn == null) {
            turn = new TestTurn("total-quota", "40", "max-port", "61099");
            EventLoop loop = turn.stun.loops.group().next();
            clients = new Capture[4];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new Capture(loop, new InetSocketAddress(InetAddress.getLoopbackAddress(), 30000 + i));
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void turnRequestsNeverThrowAndAlwaysGetWellFormedAnswers(byte[] data) throws Exception {
        start();
        if (data.length < 2) {
            return;
        }
        int method = METHODS[(data[0] & 0x7f) % METHODS.length];
        boolean indication = method == Method.SEND;
        boolean sha256 = (data[1] & 1) != 0;
        boolean authenticate = (data[1] & 2) == 0;
        Capture client = clients[(data[1] >> 2) & 3];
        byte[] transaction = new byte[12];
        transaction[0] = data[0];
        transaction[11] = (byte) data.length;
        ByteBuf out = Unpooled.buffer(data.length + 200);
        StunWriter w = new StunWriter().start(out, MessageClass.type(method, indication ? MessageClass.INDICATION : MessageClass.REQUEST),
                transaction);
        // The raw attribute area, padded to a multiple of four, becomes the message body.
        int raw = data.length - 2;
        out.writeBytes(data, 2, raw);
        out.writeZero((4 - raw % 4) % 4);
        out.setShort(2, out.readableBytes() - 20);
        if (authenticate && !indication) {
            String nonce = turn.turn.server().authenticator.nonce(client.client, System.currentTimeMillis() / 1000);
            w.string(Attribute.USERNAME, "alice").string(Attribute.REALM, TestTurn.REALM).string(Attribute.NONCE, nonce);
            byte[] key = Integrity.longTermKey("alice", TestTurn.REALM, "secret", Integrity.ALGORITHM_MD5);
            if (sha256) {
                w.integritySha256(key);
            } else {
                w.integrity(key);
            }
        }
        w.fingerprint();
        StunMessage m = new StunMessage();
        if (m.parse(out) != ParseResult.OK || m.method() == Method.BINDING) {
            return; // the STUN responder drops or answers these itself
        }
        client.loop.submit(() -> turn.turn.onMessage(m, client, client.client)).get();
        client.check(transaction, method);
    }

    @org.junit.jupiter.api.AfterAll
    static void nothingLeaks() throws Exception {
        if (turn == null) {
            return;
        }
        TurnServer server = turn.turn.server();
        for (Long id : List.copyOf(server.table.byId.keySet())) {
            server.kill(id);
        }
        for (int i = 0; i < 100 && (server.table.size() > 0 || server.ports.inUse() > server.allocator.reservations()); i++) {
            Thread.sleep(20);
        }
        assertEquals(0, server.table.size(), "every allocation ended");
        assertEquals(server.allocator.reservations(), server.ports.inUse(), "no relay port held but the reserved ones");
        assertTrue(server.table.reserve("alice", 0, 40), "the quota counted every allocation back");
        turn.close();
        turn = null;
    }

    /** Records what the server sends to one client address; relay binding answers may come a moment later. */
    static final class Capture implements StunConnection {
        final EventLoop loop;
        final InetSocketAddress client;
        final List<ByteBuf> sent = new ArrayList<>();

        Capture(EventLoop loop, InetSocketAddress client) {
            this.loop = loop;
            this.client = client;
        }

        void check(byte[] transaction, int method) throws Exception {
            List<ByteBuf> answers = loop.submit(() -> {
                List<ByteBuf> copy = new ArrayList<>(sent);
                sent.clear();
                return copy;
            }).get();
            for (ByteBuf b : answers) {
                try {
                    if ((b.getByte(0) & 0xC0) != 0) {
                        continue; // ChannelData to the client
                    }
                    StunMessage answer = new StunMessage();
                    assertEquals(ParseResult.OK, answer.parse(b), "every answer is well-formed");
                    int cls = answer.messageClass();
                    assertTrue(cls == MessageClass.SUCCESS_RESPONSE || cls == MessageClass.ERROR_RESPONSE
                            || (cls == MessageClass.INDICATION && answer.method() == Method.DATA), answer.toString());
                } finally {
                    b.release();
                }
            }
        }

        @Override
        public String protocol() {
            return "udp";
        }

        @Override
        public boolean isStream() {
            return false;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public ByteBufAllocator alloc() {
            return PooledByteBufAllocator.DEFAULT;
        }

        @Override
        public void send(ByteBuf message, InetSocketAddress to) {
            assertEquals(client, to, "answers go to the client that asked");
            sent.add(message);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
