package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;

/** A blocking UDP/TCP test client speaking raw bytes, so tests can send anything, malformed included. */
final class StunClient implements AutoCloseable {

    final DatagramSocket udp;

    StunClient() throws IOException {
        udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        udp.setSoTimeout(2000);
    }

    InetSocketAddress local() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    /** Sends a datagram and returns the answer's bytes, or null when none comes within {@code waitMillis}. */
    byte[] exchange(InetSocketAddress server, byte[] request, int waitMillis) throws IOException {
        udp.send(new DatagramPacket(request, request.length, server));
        return receive(waitMillis);
    }

    byte[] receive(int waitMillis) throws IOException {
        udp.setSoTimeout(waitMillis);
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            udp.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buf, p.getLength());
    }

    static StunMessage parse(byte[] bytes) {
        StunMessage m = new StunMessage();
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        if (m.parse(b) != ParseResult.OK) {
            throw new AssertionError("answer does not parse: " + m.parse(b));
        }
        return m;
    }

    /** Reads one STUN message from a TCP stream. */
    static byte[] readMessage(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] header = new byte[20];
        in.readFully(header);
        int len = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        byte[] all = Arrays.copyOf(header, 20 + len);
        in.readFully(all, 20, len);
        return all;
    }

    static void write(Socket s, byte[]... parts) throws IOException {
        OutputStream out = s.getOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        out.flush();
    }

    @Override
    public void close() {
        udp.close();
    }
}
