package org.gatehouse.itests;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a conferencing node on loopback, plain HTTP/1.1 with keep-alive: a GET of a path ending
 * in {@code /events} gets an endless server-sent event stream ({@code data: 0}, {@code data: 1}, ...
 * every 100 ms, chunked) until either side closes; any other GET gets its path and the Authorization
 * header it arrived with. Every request is recorded, so a test can tell what reached the node.
 * For a browser, as a conferencing web app: a GET of a path ending in {@code /page.html} gets the page
 * it was made with, a POST to a path ending in {@code /result} hands its body to {@link #report}, and a
 * WebSocket upgrade of a path ending in {@code /echo} gets every frame sent back.
 */
final class EventNode implements AutoCloseable {

    static final long EVENT_INTERVAL_MILLIS = 100;

    /** One line per request, in arrival order: {@code "<target> authorization=<header or null>"}. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Event streams being served now. */
    final AtomicInteger streaming = new AtomicInteger();
    /** Event streams that ended before the node was closed (the proxy or the client went away). */
    final AtomicInteger streamsEnded = new AtomicInteger();
    /** The body of the first POST to a path ending in {@code /result}. */
    final CompletableFuture<String> report = new CompletableFuture<>();

    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "event-node");
        t.setDaemon(true);
        return t;
    });
    private final byte[] page;
    private volatile boolean closing;

    EventNode() throws IOException {
        this(null);
    }

    /** A node that serves {@code page} (HTML) at paths ending in {@code /page.html}. */
    EventNode(byte[] page) throws IOException {
        this.page = page;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** host:port as the pool's {@code nodes} key takes it. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!closing) {
            try {
                Socket s = server.accept();
                connections.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (List<String> head = readHead(in); head != null; head = readHead(in)) {
                String target = head.get(0).split(" ")[1];
                String authorization = header(head, "authorization");
                requests.add(target + " authorization=" + authorization);
                String length = header(head, "content-length");
                if (target.endsWith("/result") && length != null) {
                    report.complete(new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8));
                    out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    continue;
                }
                if (length != null) {
                    in.skipNBytes(Long.parseLong(length));
                }
                if (target.endsWith("/events")) {
                    stream(out);
                    return;
                }
                if (target.endsWith("/echo") && "websocket".equalsIgnoreCase(header(head, "upgrade"))) {
                    echo(in, out, header(head, "sec-websocket-key"));
                    return;
                }
                boolean isPage = page != null && target.endsWith("/page.html");
                byte[] body = isPage ? page : ("node " + target + " authorization=" + authorization).getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + (isPage ? "text/html; charset=utf-8" : "text/plain")
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // the peer went away: nothing to answer
        } finally {
            connections.remove(s);
        }
    }

    private void stream(OutputStream out) throws IOException {
        streaming.incrementAndGet();
        try {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (long n = 0; !closing; n++) {
                byte[] event = ("data: " + n + "\n\n").getBytes(StandardCharsets.US_ASCII);
                out.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(event);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(EVENT_INTERVAL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streaming.decrementAndGet();
            if (!closing) {
                streamsEnded.incrementAndGet();
            }
        }
    }

    /** RFC 6455: accepts the upgrade, then sends every frame back unmasked (a ping as a pong) until a close frame, which it answers. */
    private static void echo(InputStream in, OutputStream out, String key) throws IOException {
        byte[] accept;
        try {
            accept = MessageDigest.getInstance("SHA-1").digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + Base64.getEncoder().encodeToString(accept) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        while (true) {
            int first = in.read();
            int second = in.read();
            if (first < 0 || second < 0) {
                return;
            }
            long length = second & 0x7F;
            int lengthBytes = length == 126 ? 2 : length == 127 ? 8 : 0;
            if (lengthBytes > 0) {
                length = 0;
                for (byte b : in.readNBytes(lengthBytes)) {
                    length = length << 8 | (b & 0xFF);
                }
            }
            byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
            byte[] payload = in.readNBytes((int) length);
            if (payload.length != length) {
                return;
            }
            for (int i = 0; mask != null && i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
            int opcode = first & 0x0F;
            out.write(opcode == 9 ? (first & 0xF0) | 10 : first);
            if (length < 126) {
                out.write((int) length);
            } else if (length < 65536) {
                out.write(126);
                out.write((int) length >> 8);
                out.write((int) length);
            } else {
                out.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    out.write((int) (length >> shift));
                }
            }
            out.write(payload);
            out.flush();
            if (opcode == 8) {
                return;
            }
        }
    }

    /** The request line and header lines, or null at the end of the connection. */
    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
        return List.of(head.toString(StandardCharsets.ISO_8859_1).strip().split("\r\n"));
    }

    private static String header(List<String> head, String name) {
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        closing = true;
        server.close();
        for (Socket s : connections) {
            s.close();
        }
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
