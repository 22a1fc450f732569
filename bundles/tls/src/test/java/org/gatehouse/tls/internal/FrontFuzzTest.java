package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gatehouse.tls.http.FieldSyntax;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;

/**
 * Coverage-guided fuzzing (Jazzer) of the front door's request reading: the real pipeline handlers
 * ({@link RequestReader} then {@link FrontHandler}, with one route at "/") read arbitrary bytes,
 * delivered in pieces as TCP would. Oracles besides "no exception, no hang, no buffer left unreleased":
 * <ol>
 * <li>the requests the reader frames are framed the same by {@link Rfc9112Framing}, a strict reference
 * model of RFC 9112: same requests, same method, target and version, same body bytes; whatever the
 * model refuses, the reader never completes (a node behind the proxy could read it another way);
 * <li>after an answer that closes the connection, no request reaches a route;
 * <li>field values a route sees (header and trailer fields) hold no CR, LF or NUL, and names are tokens.
 * </ol>
 *
 * <p>Input: the first byte's low 3 bits are the number of cuts, bit 3 makes the route answer at once
 * (before the body: the rest is read and dropped); then one byte per cut, the length of that piece
 * minus one; the rest is the byte stream, its remainder delivered as the last piece. So a saved input
 * "0GET / HTTP/1.1..." is one piece answered after its body.
 *
 * <p>Plain {@code mvn test} replays the saved inputs; {@code mvn test -Pfuzz} (the {@code fuzz-front}
 * execution in the POM) fuzzes for a bounded time (JAZZER_FUZZ=1).
 */
class FrontFuzzTest {

    private static final Map<String, Object> SETTINGS = Map.of("max-request-line", "256", "max-header-size", "1024", "max-headers", "10",
            "max-body", "4096", "access-log", "", "https-listen", "127.0.0.1:0", "http-listen", "");

    private static final FrontSettings FRONT_SETTINGS;

    static {
        try {
            FRONT_SETTINGS = FrontSettings.read(SETTINGS, "gatehouse.example.com");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    // libFuzzer dictionary syntax: \x0d\x0a is CRLF, \" a quote.
    @DictionaryEntries({"\\x0d\\x0a", "\\x0d\\x0a\\x0d\\x0a", " HTTP/1.1\\x0d\\x0a", " HTTP/1.0\\x0d\\x0a", "Host: x\\x0d\\x0a", "Content-Length: ",
        "Transfer-Encoding: ", "chunked", "0\\x0d\\x0a\\x0d\\x0a", ";ext=\\\"v\\\"", "Connection: close\\x0d\\x0a", "Trailer", "POST /", "GET /",
        "CONNECT", "OPTIONS *", "http://x/", "Upgrade: websocket\\x0d\\x0a", "Expect: 100-continue\\x0d\\x0a"})
    void framingAgreesWithRfc9112AndNothingFollowsAClosingAnswer(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int cuts = data[0] & 7;
        boolean early = (data[0] & 8) != 0;
        int from = Math.min(data.length, 1 + cuts);
        int[] pieces = new int[cuts];
        for (int i = 0; i < from - 1; i++) {
            pieces[i] = (data[1 + i] & 0xff) + 1;
        }
        byte[] stream = Arrays.copyOfRange(data, from, data.length);

        Connection c = new Connection(early);
        int at = 0;
        for (int i = 0; i <= cuts && at < stream.length && c.channel.isOpen(); i++) {
            int n = i < cuts ? Math.min(pieces[i], stream.length - at) : stream.length - at;
            c.receive(stream, at, n);
            at += n;
        }
        c.close();

        if (!c.failures.isEmpty()) {
            throw c.failures.get(0);
        }
        framedAsTheModelFramesThem(c.framed, Rfc9112Framing.frame(stream), stream);
        for (int i = c.firstClosingAnswer; i >= 0 && i < c.events.size(); i++) {
            assertFalse(c.events.get(i).startsWith("route "), "a request reached the route after an answer that closes: " + c.events);
        }
        if (c.firstClosingAnswer >= 0) {
            assertFalse(c.channel.isOpen(), "an answer that closes left the connection open");
        }
        for (ByteBuf b : c.alloc.handedOut) {
            assertEquals(0, b.refCnt(), "a buffer was not released");
        }
    }

    private static void framedAsTheModelFramesThem(List<Framed> framed, Rfc9112Framing.Result model, byte[] stream) {
        String context = "model: " + model.end() + (model.why() == null ? "" : " (" + model.why() + ")") + ", stream: " + printable(stream);
        for (int i = 0; i < framed.size(); i++) {
            Framed f = framed.get(i);
            if (i >= model.requests().size()) {
                fail("the front framed request " + (i + 1) + " (" + f.method + " " + f.target + "), the model " + model.requests().size()
                        + "; " + context);
            }
            Rfc9112Framing.Request m = model.requests().get(i);
            assertEquals(m.method() + " " + m.target() + " " + m.version(), f.method + " " + f.target + " " + f.version, context);
            byte[] body = f.body.toByteArray();
            if (f.complete) {
                assertTrue(m.complete(), "the front completed request " + (i + 1) + ", the model did not; " + context);
                assertArrayEquals(m.body(), body, "body of request " + (i + 1) + "; " + context);
            } else {
                assertTrue(i == framed.size() - 1, "an incomplete request followed by another; " + context);
                assertTrue(body.length <= m.body().length && Arrays.equals(m.body(), 0, body.length, body, 0, body.length),
                        "the front's body of request " + (i + 1) + " is not a beginning of the model's; " + context);
            }
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.length() > 600 ? sb.substring(0, 600) + "..." : sb.toString();
    }

    /** What the reader framed: one request head and the body that followed it. */
    private static final class Framed {
        final String method;
        final String target;
        final String version;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete;

        Framed(HttpRequest r) {
            method = r.method().name();
            target = r.uri();
            version = r.protocolVersion().text();
        }
    }

    /** One client connection through the front's handlers, every buffer from an allocator that remembers it. */
    private static final class Connection {
        final TrackingAllocator alloc = new TrackingAllocator();
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<Framed> framed = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        /** Failed checks inside the pipeline, where the front handler would take them for a broken connection. */
        final List<AssertionError> failures = new ArrayList<>();
        int firstClosingAnswer = -1;
        boolean rejected;

        Connection(boolean early) {
            channel.config().setAllocator(alloc);
            Front front = new Front(FRONT_SETTINGS, List.of(new Front.Mount("/", route(early), 0, 0)), List.of(), null);
            FrontHandler handler = new FrontHandler(() -> front, true, false);
            channel.pipeline().addLast("answers", new ChannelOutboundHandlerAdapter() {
                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                    if (msg instanceof HttpResponse r) {
                        boolean closes = HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(r.headers().get(HttpHeaderNames.CONNECTION));
                        events.add("answer " + r.status().code() + (closes ? " close" : ""));
                        if (closes && firstClosingAnswer < 0) {
                            firstClosingAnswer = events.size() - 1;
                        }
                    }
                    ctx.write(msg, promise);
                }
            });
            channel.pipeline().addLast("request", new RequestReader(FRONT_SETTINGS.limits(), handler));
            channel.pipeline().addLast("framing", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    check(() -> framing(msg));
                    ctx.fireChannelRead(msg);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    // The front handler takes any exception for a broken connection and closes it unanswered.
                    failures.add(new AssertionError("exception in the pipeline", cause));
                    ctx.fireExceptionCaught(cause);
                }
            });
            channel.pipeline().addLast("front", handler);
        }

        private void framing(Object msg) {
            if (msg instanceof RequestReader.Rejected r) {
                assertFalse(rejected, "rejected twice");
                assertTrue(r.status().code() >= 400 && r.status().code() < 600, r.toString());
                rejected = true;
                events.add("rejected " + r.status().code());
                return;
            }
            assertFalse(rejected, "the reader went on after a rejection: " + msg);
            if (msg instanceof HttpRequest r) {
                assertTrue(framed.isEmpty() || framed.get(framed.size() - 1).complete, "a request head before the last body ended");
                framed.add(new Framed(r));
                events.add("framed " + r.method() + " " + r.uri());
            }
            if (msg instanceof HttpContent content) {
                assertFalse(framed.isEmpty() || framed.get(framed.size() - 1).complete, "body without a request");
                Framed f = framed.get(framed.size() - 1);
                ByteBuf b = content.content();
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                f.body.writeBytes(bytes);
                f.complete = msg instanceof LastHttpContent;
            }
        }

        private void check(Runnable check) {
            try {
                check.run();
            } catch (AssertionError e) {
                failures.add(e);
            }
        }

        private HttpRoute route(boolean early) {
            return x -> {
                events.add("route " + x.request().method() + " " + x.request().uri());
                check(() -> fieldsAreClean(x.request().headers()));
                if (early) {
                    x.respond(HttpResponseStatus.OK, "text/plain", "early");
                    return;
                }
                x.onBody(part -> bodyPart(x, part));
            };
        }

        private void bodyPart(HttpExchange x, HttpContent part) {
            part.release();
            if (part instanceof LastHttpContent last) {
                check(() -> fieldsAreClean(last.trailingHeaders()));
                x.respond(HttpResponseStatus.OK, "text/plain", "ok");
            }
        }

        private static void fieldsAreClean(HttpHeaders headers) {
            headers.forEach(e -> {
                assertTrue(FieldSyntax.isToken(e.getKey()), "field name handed to a route: " + e.getKey());
                String v = e.getValue();
                assertTrue(v.indexOf('\r') < 0 && v.indexOf('\n') < 0 && v.indexOf('\0') < 0,
                        "CR, LF or NUL in a field value handed to a route: " + e.getKey() + ": " + printable(v.getBytes(StandardCharsets.ISO_8859_1)));
            });
        }

        void receive(byte[] stream, int at, int n) {
            ByteBuf piece = alloc.buffer(n);
            piece.writeBytes(stream, at, n);
            channel.writeInbound(piece);
            channel.runPendingTasks();
            releaseOutbound();
        }

        void close() {
            channel.finishAndReleaseAll();
            releaseOutbound();
        }

        private void releaseOutbound() {
            for (Object o; (o = channel.readOutbound()) != null; ) {
                ReferenceCountUtil.release(o);
            }
            for (Object o; (o = channel.readInbound()) != null; ) {
                ReferenceCountUtil.release(o);
            }
        }
    }

    /** Unpooled heap buffers, each remembered so that the test can see every one was released. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> handedOut = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            handedOut.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
