package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9112 parsing and every request-smuggling and limit case the front must refuse. */
class RequestReaderTest {

    private static final RequestReader.Limits LIMITS = new RequestReader.Limits(256, 1024, 20, 1000);

    /** A reader with {@link #LIMITS} and no header-read deadline. */
    private static RequestReader newReader() {
        return new RequestReader(LIMITS, new RequestReader.HeadTimer() {
            @Override
            public void headStarted() {
            }

            @Override
            public void headComplete() {
            }
        });
    }

    private static List<Object> read(String... parts) {
        EmbeddedChannel ch = new EmbeddedChannel(newReader());
        for (String p : parts) {
            ch.writeInbound(Unpooled.copiedBuffer(p, StandardCharsets.ISO_8859_1));
        }
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    private static RequestReader.Rejected rejected(String... parts) {
        List<Object> out = read(parts);
        Object last = out.get(out.size() - 1);
        assertInstanceOf(RequestReader.Rejected.class, last, out.toString());
        return (RequestReader.Rejected) last;
    }

    private static String body(List<Object> out) {
        StringBuilder sb = new StringBuilder();
        for (Object o : out) {
            if (o instanceof HttpContent) {
                ByteBuf b = ((HttpContent) o).content();
                sb.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
        }
        return sb.toString();
    }

    @Test
    void aSimpleRequestAndPipelinedOnesSplitAnywhere() {
        String two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
        for (int split = 1; split < two.length(); split += 7) {
            List<Object> out = read(two.substring(0, split), two.substring(split));
            List<HttpRequest> requests = out.stream().filter(HttpRequest.class::isInstance).map(HttpRequest.class::cast).toList();
            assertEquals(2, requests.size(), "split at " + split);
            assertEquals("/a", requests.get(0).uri());
            assertEquals("POST", requests.get(1).method().name());
            assertEquals("hello", body(out));
            assertEquals(2, out.stream().filter(LastHttpContent.class::isInstance).count());
        }
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() {
        List<Object> out = read("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Check: 1\r\n\r\n");
        assertEquals("hello world", body(out));
        assertTrue(out.get(out.size() - 1) instanceof LastHttpContent);
        assertEquals("1", ((LastHttpContent) out.get(out.size() - 1)).trailingHeaders().get("X-Check"));
    }

    @Test
    void chunkExtensionsFollowTheirGrammar() {
        String head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (String bad : new String[] {"3;a\rb", "3;a\u0000", "3;", "3;=v", "3;a=", "3;a=\"open", "3;a=\"x\u0001\"", "3;a b", "3;a=v w",
            "3;a=(v)"}) {
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(head + bad + "\r\nabc\r\n0\r\n\r\n").status(), bad);
        }
        for (String good : new String[] {"3;a", "3; a = v ;b", "3;a=\"q \\\" ;\"", "3;a=\"\";b=c"}) {
            assertEquals("abc", body(read(head + good + "\r\nabc\r\n0;last\r\n\r\n")), good);
        }
    }

    @Test
    void trailerFieldsAreHeldToTheRulesOfHeaderFields() {
        // A bare CR or a control character in a trailer value, or a framing field as a trailer, made the
        // decoder throw (Netty's validation): the connection was dropped without an answer, after the
        // body had been passed on.
        String head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n";
        for (String bad : new String[] {"X-T: a\rb", "X-T: a\u0000b", "X-T: a\u000b", "X-T : a", " X-T: a", "X-T", "Transfer-Encoding: chunked",
            "content-length: 5", "Trailer: X-T"}) {
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(head + bad + "\r\n\r\n").status(), bad);
        }
        List<Object> out = read(head + "X-T:\t 1 \t\r\n\r\n");
        assertEquals("1", ((LastHttpContent) out.get(out.size() - 1)).trailingHeaders().get("X-T"), "SP and HTAB around a value are OWS");
    }

    @Test
    void smugglingCasesAre400() {
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello").status(), "even equal duplicates");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n").status(), "whitespace before the colon");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n").status(), "obs-fold");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\nHost: x\r\n\r\n").status(), "bare LF");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\nHost: x\n\n").status(),
                "a head of bare-LF lines, which never ends with CRLFCRLF: at once, not at header-read-timeout");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\r\nHost: x\n").status(), "a bare LF before the head is complete");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n").status(), "invalid chunk size");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n").status(), "no CRLF after chunk data");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n").status(), "chunk size overflow");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status(), "TE in HTTP/1.0");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\r\n\r\n").status(), "no Host");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status(), "two Hosts");
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("G@T / HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, rejected("GET / HTTP/2.0\r\nHost: x\r\n\r\n").status());
    }

    @Test
    void aHostThatIsNotHostAndPortIs400AndNeverPassedOn() {
        for (String bad : new String[] {"x y", "evil.example/path", "user@evil.example", "x\\y", "x?y", "x#y", "x:80x", "[::1", "[::1]x",
            "[]", "x:8443:1", "a<b", "x%zz"}) {
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\r\nHost: " + bad + "\r\n\r\n").status(), bad);
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.0\r\nHost: " + bad + "\r\n\r\n").status(), bad + " in HTTP/1.0");
        }
        for (String good : new String[] {"x", "meet.example.com:8443", "[::1]:8443", "[2001:db8::1]", "192.0.2.7", "xn--bcher-kva.example", "a_b", ""}) {
            List<Object> out = read("GET / HTTP/1.1\r\nHost: " + good + "\r\n\r\n");
            assertInstanceOf(HttpRequest.class, out.get(0), good + ": " + out);
        }
        assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n").status(), "two Hosts in HTTP/1.0");
    }

    @Test
    void controlCharactersAtEitherEndOfAValueAre400NotTrimmed() {
        // String.strip() took VT, FF and FS..US for whitespace: "\u000bchunked" was read as chunked.
        for (char c : new char[] {0x0b, 0x0c, 0x1c, 0x1f}) {
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected(
                    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + c + "chunked\r\n\r\n0\r\n\r\n").status(), "char " + (int) c);
            assertEquals(HttpResponseStatus.BAD_REQUEST, rejected("GET / HTTP/1.1\r\nHost: x" + c + "\r\n\r\n").status(), "char " + (int) c);
        }
        List<Object> out = read("GET / HTTP/1.1\r\nHost:\t x \t\r\n\r\n");
        assertEquals("x", ((HttpRequest) out.get(0)).headers().get("Host"), "SP and HTAB around a value are optional whitespace");
    }

    @Test
    void theHeaderSectionAloneIsHeldToItsLimit() {
        // LIMITS: request line 256, header section 1024 bytes. A short request line left its unused
        // 256 bytes to the header section: 1200 bytes of fields passed.
        String fields = "Host: x\r\nX-Big: " + "b".repeat(1200) + "\r\n";
        assertEquals(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, rejected("GET / HTTP/1.1\r\n" + fields + "\r\n").status());
        assertEquals(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, rejected("GET / HTTP/1.1\r\n" + fields).status(), "not yet complete");
        String fits = "Host: x\r\nX-Big: " + "b".repeat(1000) + "\r\n";
        assertInstanceOf(HttpRequest.class, read("GET / HTTP/1.1\r\n" + fits + "\r\n").get(0));
    }

    @Test
    void limitsGive414And431And413() {
        assertEquals(HttpResponseStatus.REQUEST_URI_TOO_LONG, rejected("GET /" + "a".repeat(300) + " HTTP/1.1\r\n").status());
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 25; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertEquals(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, rejected(many + "\r\n").status());
        assertEquals(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                rejected("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1300)).status());
        assertEquals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n").status());
        assertEquals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, rejected(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n", "a".repeat(1000), "\r\n1\r\n").status());
    }

    @Test
    void nothingIsReadAfterARejection() {
        List<Object> out = read("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, out.size());
        assertNull(out.stream().filter(HttpRequest.class::isInstance).findAny().orElse(null));
    }
}
