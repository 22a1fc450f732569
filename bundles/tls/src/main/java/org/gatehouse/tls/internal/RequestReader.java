package org.gatehouse.tls.internal;

import static org.gatehouse.tls.http.FieldSyntax.isFieldValue;
import static org.gatehouse.tls.http.FieldSyntax.isTchar;
import static org.gatehouse.tls.http.FieldSyntax.isToken;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A strict HTTP/1.1 request reader (RFC 9112): the request line and header fields read whole within
 * limits, then the body by Content-Length or chunked coding. Everything RFC 9112 lets a server reject
 * to avoid request smuggling is rejected: Content-Length with Transfer-Encoding, several or invalid
 * Content-Length values, a transfer coding other than chunked, obs-fold, bare LF, whitespace before a
 * colon, invalid chunk sizes or extensions, trailer fields that break the rules of header fields or
 * would change the framing. A rejected request becomes a {@link Rejected} message (status and
 * reason), after which nothing more is read from the connection.
 */
final class RequestReader extends ByteToMessageDecoder {

    /** A request that cannot be served: answer {@code status} and close. */
    record Rejected(HttpResponseStatus status, String reason) {
    }

    record Limits(int requestLine, int headerBytes, int headerCount, long body) {
    }

    private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, REJECTED, UPGRADED }

    /**
     * The request's fields are checked here, field by field: Netty's validation would check them
     * again. One shared factory: {@code new DefaultHttpHeaders(false)} makes a new factory for every
     * request (Netty 4.1.137).
     */
    private static final DefaultHttpHeadersFactory UNVALIDATED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final int MAX_CHUNK_LINE = 1024;
    private static final int MAX_CHUNK_PIECE = 64 * 1024;

    private final Limits limits;
    private State state = State.HEAD;
    private long remaining;
    private long bodyRead;
    private final HeadTimer timer;

    /** Told when a request head starts arriving and when it is complete (the header-read deadline). */
    interface HeadTimer {
        void headStarted();

        void headComplete();
    }

    RequestReader(Limits limits, HeadTimer timer) {
        this.limits = limits;
        this.timer = timer;
    }

    /** After a 101 Switching Protocols the bytes are not HTTP any more: passed on as they are. */
    void upgraded() {
        state = State.UPGRADED;
    }

    /**
     * The rest of the current request's body is not wanted (the front refused it past a route's own
     * limit): its bytes and whatever follows are dropped, as after a refusal of the reader's own.
     */
    void refuseRest() {
        state = State.REJECTED;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            decodeAll(in, out);
        } finally {
            if (state == State.REJECTED) {
                in.skipBytes(in.readableBytes());
            }
        }
    }

    private void decodeAll(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD:
                    if (!readHead(in, out)) {
                        return;
                    }
                    break;
                case FIXED: {
                    int n = (int) Math.min(Math.min(remaining, in.readableBytes()), MAX_CHUNK_PIECE);
                    remaining -= n;
                    if (remaining == 0) {
                        out.add(new DefaultLastHttpContent(in.readRetainedSlice(n)));
                        state = State.HEAD;
                    } else {
                        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    }
                    break;
                }
                case CHUNK_SIZE:
                    if (!readChunkSize(in, out)) {
                        return;
                    }
                    break;
                case CHUNK_DATA: {
                    int n = (int) Math.min(Math.min(remaining, in.readableBytes()), MAX_CHUNK_PIECE);
                    bodyRead += n;
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                    break;
                }
                case CHUNK_END:
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.readByte() != '\r' || in.readByte() != '\n') {
                        reject(out, HttpResponseStatus.BAD_REQUEST, "chunk data not followed by CRLF");
                        return;
                    }
                    state = State.CHUNK_SIZE;
                    break;
                case TRAILERS:
                    if (!readTrailers(in, out)) {
                        return;
                    }
                    break;
                case UPGRADED:
                    out.add(in.readRetainedSlice(in.readableBytes()));
                    return;
                case REJECTED:
                default:
                    in.skipBytes(in.readableBytes());
                    return;
            }
        }
    }

    private void reject(List<Object> out, HttpResponseStatus status, String reason) {
        state = State.REJECTED;
        out.add(new Rejected(status, reason));
    }

    /** {@link #headEnd} of a section with an LF not preceded by CR before its end: it never ends with CRLFCRLF. */
    private static final int BARE_LF = -2;

    /**
     * Index just past the blank line ending a head or trailer section (within {@code limit} bytes), -1
     * when not all there yet, {@link #BARE_LF} when a line ends with a bare LF before it.
     */
    private static int headEnd(ByteBuf in, int limit) {
        int start = in.readerIndex();
        int end = Math.min(in.writerIndex(), start + limit);
        for (int i = in.indexOf(start, end, (byte) '\n'); i >= 0; i = in.indexOf(i + 1, end, (byte) '\n')) {
            if (i == start || in.getByte(i - 1) != '\r') {
                return BARE_LF;
            }
            if (i >= start + 3 && in.getByte(i - 2) == '\n' && in.getByte(i - 3) == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private boolean readHead(ByteBuf in, List<Object> out) {
        // Empty lines before a request are allowed (RFC 9112 section 2.2).
        while (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == '\r' && in.getByte(in.readerIndex() + 1) == '\n') {
            in.skipBytes(2);
        }
        if (!in.isReadable()) {
            return false;
        }
        timer.headStarted();
        int max = limits.requestLine() + limits.headerBytes();
        int end = headEnd(in, max);
        int lineEnd = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + limits.requestLine() + 2), (byte) '\n');
        // The header section alone is held to max-header-size: a short request line leaves no room for more.
        int headerBytes = lineEnd < 0 ? 0 : (end < 0 ? in.writerIndex() : end) - (lineEnd + 1);
        if (headerBytes > limits.headerBytes() + 2) {
            reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section larger than " + limits.headerBytes() + " bytes");
            return false;
        }
        if (end < 0) {
            if (end == BARE_LF) {
                // A head of bare-LF lines never ends with CRLFCRLF: refused now, not left to header-read-timeout.
                reject(out, HttpResponseStatus.BAD_REQUEST, "bare LF or CR in the header section");
                return false;
            }
            if (lineEnd < 0 && in.readableBytes() > limits.requestLine()) {
                reject(out, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line longer than " + limits.requestLine() + " bytes");
                return false;
            }
            if (in.readableBytes() >= max) {
                reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section larger than " + limits.headerBytes() + " bytes");
                return false;
            }
            return false;
        }
        String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(end);
        timer.headComplete();
        parseHead(head, out);
        return state != State.REJECTED;
    }

    private void parseHead(String head, List<Object> out) {
        // head ends with CRLFCRLF and has no bare LF (headEnd); every line must end with CRLF, so a
        // CR inside a line is refused.
        String[] lines = lines(head.substring(0, head.length() - 4));
        for (String line : lines) {
            if (line.indexOf('\r') >= 0) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "bare LF or CR in the header section");
                return;
            }
        }
        String requestLine = lines[0];
        if (requestLine.length() > limits.requestLine()) {
            reject(out, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line longer than " + limits.requestLine() + " bytes");
            return;
        }
        int sp1 = requestLine.indexOf(' ');
        int sp2 = requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 <= sp1 + 1 || requestLine.indexOf(' ', sp2 + 1) >= 0) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "malformed request line");
            return;
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String versionText = requestLine.substring(sp2 + 1);
        if (!isToken(method)) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "invalid method");
            return;
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            // No fragment either (RFC 9112 3.2): a filter reading the path up to '#' and a node reading past it would disagree.
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                reject(out, HttpResponseStatus.BAD_REQUEST, "invalid character in the request target");
                return;
            }
        }
        HttpVersion version;
        if (versionText.equals("HTTP/1.1")) {
            version = HttpVersion.HTTP_1_1;
        } else if (versionText.equals("HTTP/1.0")) {
            version = HttpVersion.HTTP_1_0;
        } else if (versionText.matches("HTTP/\\d\\.\\d")) {
            reject(out, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version " + versionText + " not supported");
            return;
        } else {
            reject(out, HttpResponseStatus.BAD_REQUEST, "malformed HTTP version");
            return;
        }
        if (lines.length - 1 > limits.headerCount()) {
            reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "more than " + limits.headerCount() + " header fields");
            return;
        }
        HttpHeaders headers = UNVALIDATED.newHeaders();
        for (int i = 1; i < lines.length; i++) {
            String problem = addField(lines[i], headers, "header");
            if (problem != null) {
                reject(out, HttpResponseStatus.BAD_REQUEST, problem);
                return;
            }
        }
        frame(new DefaultHttpRequest(version, HttpMethod.valueOf(method), target, headers), out);
    }

    /** Decides how the body is delimited (RFC 9112 section 6.3), refusing every ambiguous case. */
    private void frame(DefaultHttpRequest request, List<Object> out) {
        HttpHeaders h = request.headers();
        List<String> lengths = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> codings = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (request.protocolVersion() == HttpVersion.HTTP_1_1 && hosts.size() != 1 || hosts.size() > 1) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "an HTTP/1.1 request needs exactly one Host header");
            return;
        }
        if (!hosts.isEmpty() && !isHost(hosts.get(0))) {
            // RFC 9112 3.2: a Host that is not host[:port] is refused, never passed on to a node.
            reject(out, HttpResponseStatus.BAD_REQUEST, "invalid Host header");
            return;
        }
        if (!codings.isEmpty() && !lengths.isEmpty()) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "both Content-Length and Transfer-Encoding");
            return;
        }
        bodyRead = 0;
        if (!codings.isEmpty()) {
            if (request.protocolVersion() == HttpVersion.HTTP_1_0) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
                return;
            }
            if (codings.size() != 1 || !codings.get(0).equalsIgnoreCase("chunked")) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding other than chunked: " + String.join(", ", codings));
                return;
            }
            out.add(request);
            state = State.CHUNK_SIZE;
            return;
        }
        long length = 0;
        if (!lengths.isEmpty()) {
            if (lengths.size() != 1) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "more than one Content-Length");
                return;
            }
            String v = lengths.get(0);
            if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "invalid Content-Length \"" + v + "\"");
                return;
            }
            length = Long.parseLong(v);
        }
        if (limits.body() > 0 && length > limits.body()) {
            reject(out, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Content-Length " + length + " above " + limits.body());
            return;
        }
        out.add(request);
        if (length == 0) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.HEAD;
        } else {
            remaining = length;
            state = State.FIXED;
        }
    }

    private boolean readChunkSize(ByteBuf in, List<Object> out) {
        int lf = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + MAX_CHUNK_LINE), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "chunk size line too long");
            }
            return false;
        }
        String line = in.toString(in.readerIndex(), lf - in.readerIndex() + 1, StandardCharsets.ISO_8859_1);
        in.readerIndex(lf + 1);
        if (!line.endsWith("\r\n")) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "chunk size line not ended by CRLF");
            return false;
        }
        String size = line.substring(0, line.length() - 2);
        int semicolon = size.indexOf(';');
        if (semicolon >= 0) {
            if (!isChunkExtensions(size, semicolon)) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "malformed chunk extension");
                return false;
            }
            size = size.substring(0, semicolon);
        }
        if (size.isEmpty() || size.length() > 15 || !size.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "invalid chunk size");
            return false;
        }
        long n = Long.parseLong(size, 16);
        if (n == 0) {
            state = State.TRAILERS;
            return true;
        }
        if (limits.body() > 0 && bodyRead + n > limits.body()) {
            reject(out, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "chunked body larger than " + limits.body() + " bytes");
            return false;
        }
        remaining = n;
        state = State.CHUNK_DATA;
        return true;
    }

    private boolean readTrailers(ByteBuf in, List<Object> out) {
        if (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == '\r' && in.getByte(in.readerIndex() + 1) == '\n') {
            in.skipBytes(2);
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.HEAD;
            return true;
        }
        int end = headEnd(in, limits.headerBytes());
        if (end == BARE_LF) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "bare LF or CR in the trailer section");
            return false;
        }
        if (end < 0) {
            if (in.readableBytes() >= limits.headerBytes()) {
                reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "trailer section too large");
            }
            return false;
        }
        String trailers = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(end);
        // Trailer fields are held to the rules of header fields, checked here as the head's are (Netty's
        // own validation threw on a bad one, which dropped the connection without an answer), and may
        // not change the framing (RFC 9110 6.5.1: it is decided before the content).
        DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, UNVALIDATED);
        String problem = null;
        for (String line : lines(trailers.substring(0, trailers.length() - 4))) {
            problem = line.indexOf('\r') >= 0 ? "bare LF or CR in the trailer section" : addField(line, last.trailingHeaders(), "trailer");
            if (problem != null) {
                break;
            }
        }
        for (AsciiString framing : FRAMING_FIELDS) {
            if (problem == null && last.trailingHeaders().contains(framing)) {
                problem = "framing field " + framing + " in the trailer section";
            }
        }
        if (problem != null) {
            reject(out, HttpResponseStatus.BAD_REQUEST, problem);
            return false;
        }
        out.add(last);
        state = State.HEAD;
        return true;
    }

    /**
     * Whether {@code line} from {@code i} on is chunk extensions (RFC 9112 7.1.1):
     * {@code *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )}. They are dropped, not
     * passed on, but a bare CR or a control character in one is read as a line end by some parsers.
     */
    private static boolean isChunkExtensions(String line, int i) {
        int n = line.length();
        while (i < n) {
            i = skipOws(line, i);
            if (i == n || line.charAt(i) != ';') {
                return false;
            }
            i = skipOws(line, i + 1);
            int name = i;
            i = skipToken(line, i);
            if (i == name) {
                return false;
            }
            int equals = skipOws(line, i);
            if (equals < n && line.charAt(equals) == '=') {
                i = skipOws(line, equals + 1);
                if (i < n && line.charAt(i) == '"') {
                    for (i++; i < n && line.charAt(i) != '"'; i++) {
                        if (line.charAt(i) == '\\') {
                            i++;
                        }
                        if (i == n || line.charAt(i) < 0x20 && line.charAt(i) != '\t' || line.charAt(i) == 0x7f) {
                            return false;
                        }
                    }
                    if (i == n) {
                        return false;
                    }
                    i++;
                } else {
                    int value = i;
                    i = skipToken(line, i);
                    if (i == value) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static int skipOws(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int skipToken(String s, int i) {
        int end = i;
        while (end < s.length() && isTchar(s.charAt(end))) {
            end++;
        }
        return end;
    }

    /** Fields a trailer section may not hold. */
    private static final AsciiString[] FRAMING_FIELDS = {HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.TRAILER};

    /**
     * Adds a line of the header or trailer {@code section} to {@code fields}: a token name, a colon
     * and a value without its optional whitespace. What is wrong with the line instead, null if nothing.
     */
    private static String addField(String line, HttpHeaders fields, String section) {
        if (line.isEmpty()) {
            return "empty " + section + " line";
        }
        char first = line.charAt(0);
        if (first == ' ' || first == '\t') {
            return "obsolete line folding (obs-fold) in a " + section + " field";
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return section + " line without a field name and colon";
        }
        String name = line.substring(0, colon);
        if (!isToken(name)) {
            return "invalid " + section + " field name (whitespace before the colon?)";
        }
        String value = trimOws(line, colon + 1);
        if (!isFieldValue(value)) {
            return "control character in " + section + " field " + name;
        }
        fields.add(name, value);
        return null;
    }

    /** Splits at CRLF (String.split would compile a regular expression for every request). */
    static String[] lines(String text) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>(16);
        int from = 0;
        for (int i = text.indexOf("\r\n"); i >= 0; i = text.indexOf("\r\n", from)) {
            out.add(text.substring(from, i));
            from = i + 2;
        }
        out.add(text.substring(from));
        return out.toArray(new String[0]);
    }

    /**
     * The field value after the colon without its optional whitespace (RFC 9110 5.6.3: SP and HTAB only),
     * so that other control characters at either end stay and are refused.
     */
    private static String trimOws(String line, int from) {
        int to = line.length();
        while (from < to && (line.charAt(from) == ' ' || line.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (line.charAt(to - 1) == ' ' || line.charAt(to - 1) == '\t')) {
            to--;
        }
        return line.substring(from, to);
    }

    /**
     * Whether {@code value} is a Host field value (RFC 9110 7.2): empty, or uri-host [":" port], where
     * uri-host is an IP-literal in brackets or a reg-name (unreserved, sub-delims, percent escapes).
     */
    static boolean isHost(String value) {
        int n = value.length();
        int i = 0;
        if (n > 0 && value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.' || c == 'v' || c == 'V')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            for (; i < n && value.charAt(i) != ':'; i++) {
                char c = value.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || !isHex(value.charAt(i + 1)) || !isHex(value.charAt(i + 2))) {
                        return false;
                    }
                    i += 2;
                } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=".indexOf(c) >= 0)) {
                    return false;
                }
            }
        }
        if (i == n) {
            return true;
        }
        if (value.charAt(i) != ':') {
            return false;
        }
        for (i++; i < n; i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
