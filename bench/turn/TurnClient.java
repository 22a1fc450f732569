import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small TURN client over UDP (RFC 8656, long-term credentials of RFC 8489) for bench/turn-relay.sh.
 * No dependencies. Every wait is bounded: requests are retransmitted a few times and then give up.
 *
 * <pre>
 * check SERVER PEER USER PASSWORD [SECONDS]
 *     Allocate (401, then with USERNAME, REALM, NONCE, MESSAGE-INTEGRITY), ChannelBind to PEER and
 *     one ChannelData echo through PEER (an echo server such as turnutils_peer). Retries until
 *     SECONDS (default 5) have passed. Prints "ok RELAYED-ADDRESS RTT_US", exit 0; or the reason on
 *     stderr, exit 1.
 * hold SERVER USER PASSWORD COUNT [SECONDS]
 *     Creates COUNT allocations, one UDP socket each, prints "held N failed F MS" and keeps them
 *     (no refreshes) until killed or SECONDS (default 120) have passed.
 * ping SERVER PEER USER PASSWORD START_MS END_MS RATE LENGTH
 *     One allocation with a channel to PEER; from epoch millisecond START_MS to END_MS sends RATE
 *     ChannelData messages a second of LENGTH bytes and times each echo. Prints
 *     "sent received p50_us p99_us max_us".
 * </pre>
 * SERVER and PEER are HOST:PORT.
 */
public class TurnClient {

    static final int MAGIC = 0x2112A442;
    static final int ALLOCATE = 0x003, REFRESH = 0x004, CHANNEL_BIND = 0x009;
    static final int USERNAME = 0x0006, MESSAGE_INTEGRITY = 0x0008, ERROR_CODE = 0x0009,
            CHANNEL_NUMBER = 0x000C, LIFETIME = 0x000D, XOR_PEER_ADDRESS = 0x0012, REALM = 0x0014, NONCE = 0x0015,
            XOR_RELAYED_ADDRESS = 0x0016, REQUESTED_TRANSPORT = 0x0019;
    static final int CHANNEL = 0x4000;
    static final SecureRandom RANDOM = new SecureRandom();

    public static void main(String[] args) throws Exception {
        try {
            switch (args.length > 0 ? args[0] : "") {
                case "check" -> check(address(args[1]), address(args[2]), args[3], args[4],
                        args.length > 5 ? Integer.parseInt(args[5]) : 5);
                case "hold" -> hold(address(args[1]), args[2], args[3], Integer.parseInt(args[4]),
                        args.length > 5 ? Integer.parseInt(args[5]) : 120);
                case "ping" -> ping(address(args[1]), address(args[2]), args[3], args[4], Long.parseLong(args[5]),
                        Long.parseLong(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]));
                default -> {
                    System.err.println("usage: java TurnClient.java check|hold|ping ... (see the class comment)");
                    System.exit(2);
                }
            }
        } catch (IOException e) {
            System.err.println(e.getMessage() != null ? e.getMessage() : e.toString());
            System.exit(1);
        }
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    static void check(InetSocketAddress server, InetSocketAddress peer, String user, String password, int seconds)
            throws IOException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Session s = new Session(server, user, password, 250)) {
                s.allocate();
                s.channelBind(CHANNEL, peer);
                byte[] payload = new byte[100];
                long start = System.nanoTime();
                s.sendChannelData(CHANNEL, payload, payload.length);
                byte[] buf = new byte[2048];
                long until = start + 500_000_000L;
                while (System.nanoTime() < until) {
                    DatagramPacket p = s.receive(buf, 100);
                    if (p != null && p.getLength() >= 4 && (buf[0] & 0xC0) == 0x40
                            && ((buf[0] & 0xFF) << 8 | (buf[1] & 0xFF)) == CHANNEL) {
                        System.out.println("ok " + s.relayed.getAddress().getHostAddress() + ":" + s.relayed.getPort()
                                + " " + (System.nanoTime() - start) / 1000);
                        s.release();
                        return;
                    }
                }
                throw new IOException("allocation and channel to " + peer + " made, but no echo came back through "
                        + server);
            } catch (IOException e) {
                last = e;
                sleepQuietly(200);
            }
        }
        throw last != null ? last : new IOException("no answer from " + server);
    }

    static void hold(InetSocketAddress server, String user, String password, int count, int seconds)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        List<Session> held = new ArrayList<>();
        int failed = 0;
        String firstError = null;
        // A new socket can get the local port of an allocation that another client left behind (437
        // Allocation Mismatch): keep that socket open, so that the port is not handed out again, and retry.
        List<Session> mismatched = new ArrayList<>();
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            Session s = new Session(server, user, password, 500)
                    .credentialsFrom(held.isEmpty() ? null : held.get(held.size() - 1));
            try {
                s.allocate();
                held.add(s);
            } catch (IOException e) {
                if (e instanceof TurnError t && t.code == 437 && mismatched.size() < 100) {
                    mismatched.add(s);
                    i--;
                    continue;
                }
                s.close();
                failed++;
                if (firstError == null) {
                    firstError = e.getMessage();
                }
                if (failed >= 20 && held.isEmpty()) {
                    break;
                }
            }
        }
        mismatched.forEach(Session::close);
        System.out.println("held " + held.size() + " failed " + failed + " " + (System.nanoTime() - start) / 1_000_000);
        if (firstError != null) {
            System.out.println("first error: " + firstError);
        }
        System.out.flush();
        long left = deadline - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
        held.forEach(Session::close);
    }

    static void ping(InetSocketAddress server, InetSocketAddress peer, String user, String password, long startMs,
            long endMs, int rate, int length) throws Exception {
        Session s = new Session(server, user, password, 500);
        s.allocate();
        s.channelBind(CHANNEL, peer);
        int n = (int) Math.max(1, (endMs - startMs) * rate / 1000) + 16;
        AtomicLongArray sentAt = new AtomicLongArray(n);
        AtomicLongArray rtt = new AtomicLongArray(n);
        Thread receiver = new Thread(() -> {
            byte[] buf = new byte[Math.max(2048, length + 64)];
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    DatagramPacket p = s.receive(buf, 50);
                    long now = System.nanoTime();
                    if (p == null || p.getLength() < 8 || (buf[0] & 0xC0) != 0x40) {
                        continue;
                    }
                    int seq = ByteBuffer.wrap(buf, 4, 4).getInt();
                    if (seq >= 0 && seq < n && sentAt.get(seq) != 0) {
                        rtt.compareAndSet(seq, 0, Math.max(1, now - sentAt.get(seq)));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        receiver.setDaemon(true);
        receiver.start();
        long wait = startMs - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        byte[] payload = new byte[Math.max(8, length)];
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        int sent = 0;
        while (System.currentTimeMillis() < endMs && sent < n) {
            long now = System.nanoTime();
            if (now < next) {
                Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
                continue;
            }
            ByteBuffer.wrap(payload).putInt(sent);
            sentAt.set(sent, System.nanoTime());
            s.sendChannelData(CHANNEL, payload, payload.length);
            sent++;
            next += interval;
        }
        Thread.sleep(300);
        receiver.interrupt();
        receiver.join(1000);
        long[] got = IntStream.range(0, sent).mapToLong(rtt::get).filter(v -> v > 0).sorted().toArray();
        if (got.length == 0) {
            System.out.println(sent + " 0 - - -");
        } else {
            System.out.println(sent + " " + got.length + " " + got[(int) (got.length * 0.50)] / 1000 + " "
                    + got[Math.min(got.length - 1, (int) (got.length * 0.99))] / 1000 + " " + got[got.length - 1] / 1000);
        }
        s.release();
        s.close();
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An error response, with its code. */
    static final class TurnError extends IOException {
        private static final long serialVersionUID = 1L;
        final int code;

        TurnError(String request, Response r, InetSocketAddress server) {
            super(request + ": error " + r.errorCode() + " " + r.reason() + " from " + server);
            code = r.errorCode();
        }
    }

    /** One client transport address (one UDP socket) and its allocation. */
    static final class Session implements AutoCloseable {
        final DatagramSocket socket;
        final InetSocketAddress server;
        final String user;
        final String password;
        final int timeoutMs;
        String realm;
        byte[] nonce;
        byte[] key;
        InetSocketAddress relayed;

        Session(InetSocketAddress server, String user, String password, int timeoutMs) throws IOException {
            this.server = server;
            this.user = user;
            this.password = password;
            this.timeoutMs = timeoutMs;
            socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0));
            socket.connect(server);
        }

        void allocate() throws IOException {
            byte[] transport = {17, 0, 0, 0};
            // With a realm and nonce from an earlier allocation (RFC 8489 9.2.3: a client reuses them for
            // the same server), the first request already carries credentials; otherwise it draws the 401.
            Response r = request(ALLOCATE, nonce != null, attr(REQUESTED_TRANSPORT, transport));
            for (int round = 0; round < 3 && r.isError(); round++) {
                if (r.errorCode() != 401 && r.errorCode() != 438) {
                    throw new TurnError("Allocate", r, server);
                }
                byte[] realmBytes = r.attribute(REALM);
                byte[] nonceBytes = r.attribute(NONCE);
                if (nonceBytes == null || (realmBytes == null && realm == null)) {
                    throw new IOException("Allocate: error " + r.errorCode() + " without REALM/NONCE from " + server);
                }
                if (realmBytes != null) {
                    realm = new String(realmBytes, StandardCharsets.UTF_8);
                }
                nonce = nonceBytes;
                key = md5((user + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
                r = request(ALLOCATE, true, attr(REQUESTED_TRANSPORT, transport));
            }
            if (r.isError()) {
                throw new TurnError("Allocate", r, server);
            }
            byte[] xra = r.attribute(XOR_RELAYED_ADDRESS);
            if (xra == null) {
                throw new IOException("Allocate: success without XOR-RELAYED-ADDRESS from " + server);
            }
            relayed = xorAddress(xra);
        }

        /** Takes the realm, nonce and key of an earlier session to the same server. */
        Session credentialsFrom(Session earlier) {
            if (earlier != null && earlier.nonce != null) {
                realm = earlier.realm;
                nonce = earlier.nonce;
                key = earlier.key;
            }
            return this;
        }

        void channelBind(int channel, InetSocketAddress peer) throws IOException {
            byte[] number = {(byte) (channel >> 8), (byte) channel, 0, 0};
            for (int round = 0; round < 3; round++) {
                Response r = request(CHANNEL_BIND, true, attr(CHANNEL_NUMBER, number),
                        attr(XOR_PEER_ADDRESS, xorAddress(peer)));
                if (!r.isError()) {
                    return;
                }
                if (r.errorCode() != 438 || r.attribute(NONCE) == null) {
                    throw new TurnError("ChannelBind", r, server);
                }
                nonce = r.attribute(NONCE);
            }
            throw new IOException("ChannelBind: stale nonce three times from " + server);
        }

        /** Ends the allocation (Refresh with LIFETIME 0) without waiting for the answer. */
        void release() {
            if (relayed == null) {
                return;
            }
            try {
                List<byte[]> attrs = List.of(attr(USERNAME, user.getBytes(StandardCharsets.UTF_8)),
                        attr(REALM, realm.getBytes(StandardCharsets.UTF_8)), attr(NONCE, nonce),
                        attr(LIFETIME, new byte[4]));
                byte[] tx = new byte[12];
                RANDOM.nextBytes(tx);
                byte[] m = encode(REFRESH, tx, attrs, key);
                socket.send(new DatagramPacket(m, m.length));
                relayed = null;
            } catch (IOException e) {
                // the server ends it at the end of its lifetime anyway
            }
        }

        void sendChannelData(int channel, byte[] data, int length) throws IOException {
            byte[] m = new byte[4 + length];
            m[0] = (byte) (channel >> 8);
            m[1] = (byte) channel;
            m[2] = (byte) (length >> 8);
            m[3] = (byte) length;
            System.arraycopy(data, 0, m, 4, length);
            socket.send(new DatagramPacket(m, m.length));
        }

        DatagramPacket receive(byte[] buf, int timeout) throws IOException {
            socket.setSoTimeout(timeout);
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                return p;
            } catch (SocketTimeoutException e) {
                return null;
            } catch (PortUnreachableException e) {
                // ICMP port unreachable: nothing listens there (yet); wait out the timeout like a lost answer.
                sleepQuietly(timeout);
                return null;
            }
        }

        /** Sends a request, retransmitting up to three times, and returns the response with its transaction ID. */
        Response request(int method, boolean authenticated, byte[]... attributes) throws IOException {
            byte[] tx = new byte[12];
            RANDOM.nextBytes(tx);
            List<byte[]> attrs = new ArrayList<>();
            if (authenticated) {
                attrs.add(attr(USERNAME, user.getBytes(StandardCharsets.UTF_8)));
                attrs.add(attr(REALM, realm.getBytes(StandardCharsets.UTF_8)));
                attrs.add(attr(NONCE, nonce));
            }
            attrs.addAll(Arrays.asList(attributes));
            byte[] message = encode(method, tx, attrs, authenticated ? key : null);
            byte[] buf = new byte[2048];
            for (int attempt = 0; attempt < 4; attempt++) {
                socket.send(new DatagramPacket(message, message.length));
                long until = System.nanoTime() + (long) timeoutMs * 1_000_000L;
                long left;
                while ((left = until - System.nanoTime()) > 0) {
                    DatagramPacket p = receive(buf, (int) Math.max(1, left / 1_000_000));
                    if (p == null) {
                        break;
                    }
                    Response r = Response.parse(buf, p.getLength());
                    if (r != null && Arrays.equals(r.tx, tx)) {
                        return r;
                    }
                }
            }
            throw new IOException("no answer from " + server + " to " + (method == ALLOCATE ? "Allocate" : "ChannelBind")
                    + " (4 tries, " + timeoutMs + " ms apart)");
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    static final class Response {
        int type;
        byte[] tx;
        List<int[]> spans = new ArrayList<>();
        byte[] buf;

        static Response parse(byte[] b, int len) {
            if (len < 20 || (b[0] & 0xC0) != 0 || ByteBuffer.wrap(b, 4, 4).getInt() != MAGIC) {
                return null;
            }
            Response r = new Response();
            r.type = (b[0] & 0xFF) << 8 | (b[1] & 0xFF);
            r.tx = Arrays.copyOfRange(b, 8, 20);
            r.buf = Arrays.copyOf(b, len);
            int end = Math.min(len, 20 + ((b[2] & 0xFF) << 8 | (b[3] & 0xFF)));
            for (int i = 20; i + 4 <= end; ) {
                int t = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                int l = (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
                if (i + 4 + l > end) {
                    break;
                }
                r.spans.add(new int[] {t, i + 4, l});
                i += 4 + ((l + 3) & ~3);
            }
            return r;
        }

        boolean isError() {
            return (type & 0x0110) == 0x0110;
        }

        byte[] attribute(int t) {
            for (int[] s : spans) {
                if (s[0] == t) {
                    return Arrays.copyOfRange(buf, s[1], s[1] + s[2]);
                }
            }
            return null;
        }

        int errorCode() {
            byte[] e = attribute(ERROR_CODE);
            return e == null || e.length < 4 ? 0 : (e[2] & 7) * 100 + (e[3] & 0xFF);
        }

        String reason() {
            byte[] e = attribute(ERROR_CODE);
            return e == null || e.length <= 4 ? "" : new String(e, 4, e.length - 4, StandardCharsets.UTF_8);
        }
    }

    static byte[] attr(int type, byte[] value) {
        byte[] a = new byte[4 + ((value.length + 3) & ~3)];
        a[0] = (byte) (type >> 8);
        a[1] = (byte) type;
        a[2] = (byte) (value.length >> 8);
        a[3] = (byte) value.length;
        System.arraycopy(value, 0, a, 4, value.length);
        return a;
    }

    /** A request of METHOD; with KEY, MESSAGE-INTEGRITY (HMAC-SHA1) is added last. */
    static byte[] encode(int method, byte[] tx, List<byte[]> attrs, byte[] key) {
        int bodyLength = attrs.stream().mapToInt(a -> a.length).sum();
        ByteBuffer b = ByteBuffer.allocate(20 + bodyLength + (key != null ? 24 : 0));
        int type = (method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2;
        b.putShort((short) type).putShort((short) (bodyLength + (key != null ? 24 : 0))).putInt(MAGIC).put(tx);
        attrs.forEach(b::put);
        if (key != null) {
            byte[] mac = hmacSha1(key, b.array(), 20 + bodyLength);
            b.putShort((short) MESSAGE_INTEGRITY).putShort((short) 20).put(mac);
        }
        return b.array();
    }

    static byte[] xorAddress(InetSocketAddress a) {
        byte[] ip = a.getAddress().getAddress();
        if (ip.length != 4) {
            throw new IllegalArgumentException("IPv4 only: " + a);
        }
        ByteBuffer b = ByteBuffer.allocate(8);
        b.put((byte) 0).put((byte) 1).putShort((short) (a.getPort() ^ (MAGIC >>> 16)));
        b.putInt(ByteBuffer.wrap(ip).getInt() ^ MAGIC);
        return b.array();
    }

    static InetSocketAddress xorAddress(byte[] v) throws IOException {
        if (v.length != 8 || v[1] != 1) {
            throw new IOException("not an IPv4 XOR address");
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        int port = (b.getShort(2) & 0xFFFF) ^ (MAGIC >>> 16);
        byte[] ip = ByteBuffer.allocate(4).putInt(b.getInt(4) ^ MAGIC).array();
        return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    }

    static byte[] md5(byte[] in) {
        try {
            return MessageDigest.getInstance("MD5").digest(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmacSha1(byte[] key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
