package org.gatehouse.itests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;

/**
 * One server-sent event stream read through the HTTPS front door, on its own connection and thread.
 * It expects the events {@link EventNode} sends ({@code data: 0}, {@code data: 1}, ...): anything else
 * (a gap, a number starting over, the end of the stream, a read error or 5 s of silence) is recorded as
 * its {@link #problem()}.
 */
final class EventStream implements AutoCloseable {

    final String head;
    private final SSLSocket socket;
    private final InputStream in;
    private final boolean chunked;
    private final Thread reader;
    private final AtomicLong received = new AtomicLong();
    private volatile long last = -1;
    private volatile String problem;
    private volatile boolean closing;

    EventStream(int httpsPort, String path) throws Exception {
        socket = (SSLSocket) TrustAll.context().getSocketFactory().createSocket("127.0.0.1", httpsPort);
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: gatehouse\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in = new BufferedInputStream(socket.getInputStream());
        head = line(in, "\r\n\r\n");
        if (!head.startsWith("HTTP/1.1 200 ")) {
            socket.close();
            throw new AssertionError("the event stream " + path + " did not open: " + head);
        }
        chunked = head.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked");
        reader = new Thread(this::read, "event-stream-" + httpsPort);
        reader.setDaemon(true);
        reader.start();
    }

    /** Events received so far. */
    long received() {
        return received.get();
    }

    /** The number in the last event, or -1 before the first. */
    long last() {
        return last;
    }

    /** What went wrong with the stream, or null while it flows as it should. */
    String problem() {
        return problem;
    }

    /** Whether the stream is still being read, on the connection it was opened on. */
    boolean open() {
        return reader.isAlive() && !socket.isClosed();
    }

    private void read() {
        StringBuilder text = new StringBuilder();
        try {
            while (!closing) {
                String piece = chunked ? chunk() : raw();
                if (piece == null) {
                    problem = "the stream ended after event " + last;
                    return;
                }
                text.append(piece);
                for (int end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
                    String event = text.substring(0, end);
                    text.delete(0, end + 2);
                    long n = event.startsWith("data: ") ? Long.parseLong(event.substring(6).strip()) : -2;
                    if (n != last + 1 && problem == null) {
                        problem = "event [" + event + "] after event " + last;
                    }
                    last = n;
                    received.incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                problem = "after event " + last + ": " + e;
            }
        }
    }

    /** The data of the next chunk, or null after the last one. */
    private String chunk() throws IOException {
        String size = line(in, "\r\n").strip();
        int semicolon = size.indexOf(';');
        int length = Integer.parseInt(semicolon < 0 ? size : size.substring(0, semicolon), 16);
        if (length == 0) {
            return null;
        }
        byte[] data = in.readNBytes(length);
        if (data.length < length || !line(in, "\r\n").equals("\r\n")) {
            throw new IOException("a chunk of " + length + " bytes was cut short");
        }
        return new String(data, StandardCharsets.US_ASCII);
    }

    private String raw() throws IOException {
        byte[] buffer = new byte[512];
        int n = in.read(buffer);
        return n < 0 ? null : new String(buffer, 0, n, StandardCharsets.US_ASCII);
    }

    /** Bytes up to and including {@code end}. */
    private static String line(InputStream in, String end) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.US_ASCII).endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection closed after [" + b.toString(StandardCharsets.US_ASCII) + "]");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws Exception {
        closing = true;
        socket.close();
        reader.join(5_000);
    }

    @Override
    public String toString() {
        return "stream at event " + last + " (" + received + " received)" + (problem == null ? "" : ": " + problem);
    }
}
