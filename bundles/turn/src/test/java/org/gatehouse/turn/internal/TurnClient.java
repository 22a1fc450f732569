package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ChannelData;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * A blocking TURN test client over UDP, TCP or TLS that builds its requests with the codec and can send
 * anything, so tests can check every answer the server gives, errors included.
 */
final class TurnClient implements AutoCloseable {

    final InetSocketAddress server;
    private final DatagramSocket udp;
    private final Socket tcp;
    private final DataInputStream tcpIn;
    String username;
    String password;
    String realm;
    String nonce;

    static TurnClient udp(InetSocketAddress server) throws IOException {
        return new TurnClient(server, false, null);
    }

    static TurnClient tcp(InetSocketAddress server) throws IOException {
        return new TurnClient(server, true, null);
    }

    /** Over TLS to {@code connectTo}, trusting any certificate (the test server's is self-signed). */
    static TurnClient tls(InetSocketAddress connectTo) throws IOException {
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            return new TurnClient(connectTo, true, context.getSocketFactory());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private TurnClient(InetSocketAddress server, boolean stream, javax.net.SocketFactory tls) throws IOException {
        this.server = server;
        if (stream) {
            tcp = tls != null ? tls.createSocket() : new Socket();
            tcp.connect(server, 2000);
            tcp.setSoTimeout(2000);
            tcp.setTcpNoDelay(true);
            tcpIn = new DataInputStream(tcp.getInputStream());
            udp = null;
        } else {
            udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            udp.setSoTimeout(2000);
            tcp = null;
            tcpIn = null;
        }
    }

    /** Takes UDP answers from the server's address and port only, as a connected socket (or a NAT) does. */
    TurnClient connected() throws IOException {
        udp.connect(server);
        return this;
    }

    TurnClient credentials(String user, String pass) {
        this.username = user;
        this.password = pass;
        return this;
    }

    InetSocketAddress local() {
        return udp != null ? (InetSocketAddress) udp.getLocalSocketAddress() : (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    static byte[] newTransaction() {
        byte[] t = new byte[12];
        ThreadLocalRandom.current().nextBytes(t);
        return t;
    }

    /** A request of {@code method}: attributes from {@code body}, then (when a nonce is known) credentials. */
    byte[] request(int method, byte[] transaction, boolean authenticate, Consumer<StunWriter> body) {
        ByteBuf out = Unpooled.buffer(512);
        StunWriter w = new StunWriter().start(out, MessageClass.type(method, MessageClass.REQUEST), transaction);
        body.accept(w);
        if (authenticate && nonce != null) {
            w.string(Attribute.USERNAME, username).string(Attribute.REALM, realm).string(Attribute.NONCE, nonce);
            w.integrity(Integrity.longTermKey(username, realm, password, Integrity.ALGORITHM_MD5));
        }
        w.fingerprint();
        return bytes(out);
    }

    static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    void sendRaw(byte[] bytes) throws IOException {
        if (udp != null) {
            udp.send(new DatagramPacket(bytes, bytes.length, server));
        } else {
            tcp.getOutputStream().write(bytes);
            tcp.getOutputStream().flush();
        }
    }

    /** The next STUN message or ChannelData frame from the server, or null after {@code waitMillis}. */
    byte[] receive(int waitMillis) throws IOException {
        if (udp != null) {
            udp.setSoTimeout(waitMillis);
            byte[] buf = new byte[4096];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buf, p.getLength());
        }
        tcp.setSoTimeout(waitMillis);
        try {
            byte[] head = new byte[4];
            tcpIn.readFully(head);
            int len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            boolean channel = (head[0] & 0xC0) == 0x40;
            int rest = channel ? (len + 3) & ~3 : 16 + len;
            byte[] all = Arrays.copyOf(head, 4 + rest);
            tcpIn.readFully(all, 4, rest);
            return channel ? Arrays.copyOf(all, 4 + len) : all;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Sends a request and returns the answer to it (skipping indications and frames in between). */
    StunMessage exchange(byte[] request) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            sendRaw(request);
            long deadline = System.currentTimeMillis() + 1500;
            while (System.currentTimeMillis() < deadline) {
                byte[] answer = receive((int) Math.max(1, deadline - System.currentTimeMillis()));
                if (answer == null) {
                    break;
                }
                if ((answer[0] & 0xC0) != 0) {
                    continue;
                }
                StunMessage m = parse(answer);
                if (Arrays.equals(Arrays.copyOfRange(answer, 8, 20), Arrays.copyOfRange(request, 8, 20))) {
                    return m;
                }
            }
            if (tcp != null) {
                break;
            }
        }
        return null;
    }

    /** Sends {@code method} with credentials, learning realm and nonce from a first 401 or a 438. */
    StunMessage call(int method, Consumer<StunWriter> body) throws IOException {
        StunMessage answer = exchange(request(method, newTransaction(), true, body));
        int code = answer == null ? 0 : code(answer);
        if ((code == 401 && nonce == null) || code == 438) {
            realm = answer.string(answer.find(Attribute.REALM));
            nonce = answer.string(answer.find(Attribute.NONCE));
            answer = exchange(request(method, newTransaction(), true, body));
        }
        return answer;
    }

    static StunMessage parse(byte[] bytes) {
        StunMessage m = new StunMessage();
        ParseResult r = m.parse(Unpooled.wrappedBuffer(bytes));
        if (r != ParseResult.OK) {
            throw new AssertionError("answer does not parse: " + r);
        }
        return m;
    }

    static int code(StunMessage m) {
        return m.messageClass() == MessageClass.ERROR_RESPONSE ? m.errorCode(m.find(Attribute.ERROR_CODE)) : 0;
    }

    StunMessage allocate(Consumer<StunWriter> extra) throws IOException {
        return call(Method.ALLOCATE, w -> {
            w.uint32(Attribute.REQUESTED_TRANSPORT, 17 << 24);
            extra.accept(w);
        });
    }

    StunMessage allocate() throws IOException {
        return allocate(w -> { });
    }

    static InetSocketAddress relayed(StunMessage allocateAnswer) {
        return allocateAnswer.address(allocateAnswer.find(Attribute.XOR_RELAYED_ADDRESS));
    }

    StunMessage createPermission(InetSocketAddress... peers) throws IOException {
        return call(Method.CREATE_PERMISSION, w -> {
            for (InetSocketAddress p : peers) {
                w.address(Attribute.XOR_PEER_ADDRESS, p);
            }
        });
    }

    StunMessage channelBind(int channel, InetSocketAddress peer) throws IOException {
        return call(Method.CHANNEL_BIND, w -> w.uint32(Attribute.CHANNEL_NUMBER, channel << 16).address(Attribute.XOR_PEER_ADDRESS, peer));
    }

    StunMessage refresh(int lifetime) throws IOException {
        return call(Method.REFRESH, w -> w.uint32(Attribute.LIFETIME, lifetime));
    }

    void sendIndication(InetSocketAddress peer, byte[] data) throws IOException {
        ByteBuf out = Unpooled.buffer(64 + data.length);
        new StunWriter().start(out, MessageClass.type(Method.SEND, MessageClass.INDICATION), newTransaction())
                .address(Attribute.XOR_PEER_ADDRESS, peer).bytes(Attribute.DATA, data);
        sendRaw(bytes(out));
    }

    void sendChannelData(int channel, byte[] data) throws IOException {
        int padded = tcp != null ? (data.length + 3) & ~3 : data.length;
        byte[] frame = new byte[ChannelData.HEADER_LENGTH + padded];
        frame[0] = (byte) (channel >> 8);
        frame[1] = (byte) channel;
        frame[2] = (byte) (data.length >> 8);
        frame[3] = (byte) data.length;
        System.arraycopy(data, 0, frame, 4, data.length);
        sendRaw(frame);
    }

    @Override
    public void close() throws IOException {
        if (udp != null) {
            udp.close();
        } else {
            tcp.close();
        }
    }
}
