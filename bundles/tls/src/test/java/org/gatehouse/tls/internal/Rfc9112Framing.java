package org.gatehouse.tls.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small, strict reference model of HTTP/1.1 request framing (RFC 9112), written apart from
 * {@link RequestReader} for differential fuzzing: where a stream of bytes holds requests, and where each
 * one's body ends. It reads the whole stream at once, follows the ABNF of RFC 9112 and RFC 9110 5.5 and
 * 5.6, and rejects everything a proxy chain could read two ways: bare CR or LF, obs-fold, whitespace
 * before a colon, control characters in a field, Content-Length with Transfer-Encoding, several or
 * invalid Content-Length values, a Transfer-Encoding whose last coding is not chunked, Transfer-Encoding
 * in HTTP/1.0, malformed chunk sizes, extensions and trailer fields. It knows no size limits and no
 * Host rules: the front may refuse more, never less.
 */
final class Rfc9112Framing {

    /** How the stream ends: after whole requests, in the middle of one, or at something refused. */
    enum End { COMPLETE, INCOMPLETE, REJECTED }

    /** A request as framed: its body so far, and whether the body is complete. */
    record Request(String method, String target, String version, byte[] body, boolean complete) {
    }

    record Result(List<Request> requests, End end, String why) {
    }

    private Rfc9112Framing() {
    }

    static Result frame(byte[] stream) {
        return new Parser(stream).run();
    }

    private static final class Incomplete extends Exception {
        Incomplete() {
            super(null, null, false, false);
        }
    }

    private static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    private static final class Parser {
        private final byte[] b;
        private int p;
        private final List<Request> requests = new ArrayList<>();
        private String method;
        private String target;
        private String version;
        private ByteArrayOutputStream body;

        Parser(byte[] b) {
            this.b = b;
        }

        Result run() {
            try {
                while (true) {
                    // RFC 9112 2.2: empty lines before a request line are ignored.
                    while (p + 1 < b.length && b[p] == '\r' && b[p + 1] == '\n') {
                        p += 2;
                    }
                    if (p == b.length) {
                        return new Result(requests, End.COMPLETE, null);
                    }
                    request();
                }
            } catch (Incomplete e) {
                flush(false);
                return new Result(requests, End.INCOMPLETE, null);
            } catch (Refused e) {
                flush(false);
                return new Result(requests, End.REJECTED, e.getMessage());
            }
        }

        private void flush(boolean complete) {
            if (method != null) {
                requests.add(new Request(method, target, version, body.toByteArray(), complete));
                method = null;
            }
        }

        /** One line without its CRLF; a CR not followed by LF, or an LF without CR, is refused. */
        private String line() throws Incomplete, Refused {
            for (int i = p; i < b.length; i++) {
                if (b[i] == '\n') {
                    throw new Refused("bare LF");
                }
                if (b[i] == '\r') {
                    if (i + 1 == b.length) {
                        throw new Incomplete();
                    }
                    if (b[i + 1] != '\n') {
                        throw new Refused("bare CR");
                    }
                    String line = new String(b, p, i - p, StandardCharsets.ISO_8859_1);
                    p = i + 2;
                    return line;
                }
            }
            throw new Incomplete();
        }

        private void request() throws Incomplete, Refused {
            String line = line();
            String[] parts = line.split(" ", -1);
            if (parts.length != 3 || !isToken(parts[0]) || parts[1].isEmpty() || !parts[1].chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new Refused("request line");
            }
            if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
                throw new Refused("version");
            }
            List<String> lengths = new ArrayList<>();
            List<String> codings = new ArrayList<>();
            for (String field; !(field = line()).isEmpty(); ) {
                String[] nameValue = field(field);
                if (nameValue[0].equalsIgnoreCase("content-length")) {
                    lengths.add(nameValue[1]);
                } else if (nameValue[0].equalsIgnoreCase("transfer-encoding")) {
                    codings.add(nameValue[1]);
                }
            }
            method = parts[0];
            target = parts[1];
            version = parts[2];
            body = new ByteArrayOutputStream();
            if (!codings.isEmpty()) {
                if (version.equals("HTTP/1.0")) {
                    throw new Refused("Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1: faulty framing)");
                }
                if (!lengths.isEmpty()) {
                    throw new Refused("Content-Length and Transfer-Encoding (RFC 9112 6.3 item 3)");
                }
                List<String> list = new ArrayList<>();
                for (String v : codings) {
                    for (String element : v.split(",", -1)) {
                        String t = element.strip();
                        if (!t.isEmpty()) {
                            list.add(t);
                        }
                    }
                }
                long chunked = list.stream().filter(t -> t.equalsIgnoreCase("chunked")).count();
                if (list.isEmpty() || !list.get(list.size() - 1).equalsIgnoreCase("chunked") || chunked != 1) {
                    throw new Refused("final transfer coding is not chunked (RFC 9112 6.3 item 4)");
                }
                chunkedBody();
            } else if (!lengths.isEmpty()) {
                if (lengths.size() != 1 || lengths.get(0).isEmpty() || !lengths.get(0).chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new Refused("Content-Length (RFC 9112 6.3 item 5)");
                }
                data(new BigInteger(lengths.get(0)));
            }
            flush(true);
        }

        /** A field line's name and value, its syntax checked (RFC 9112 5, RFC 9110 5.5). */
        private static String[] field(String line) throws Refused {
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Refused("obs-fold");
            }
            int colon = line.indexOf(':');
            if (colon < 0 || !isToken(line.substring(0, colon))) {
                throw new Refused("field name");
            }
            int from = colon + 1;
            int to = line.length();
            while (from < to && isOws(line.charAt(from))) {
                from++;
            }
            while (to > from && isOws(line.charAt(to - 1))) {
                to--;
            }
            String value = line.substring(from, to);
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new Refused("control character in a field value");
                }
            }
            return new String[] {line.substring(0, colon), value};
        }

        /** {@code n} body bytes, as many as there are. */
        private void data(BigInteger n) throws Incomplete {
            int available = b.length - p;
            if (n.compareTo(BigInteger.valueOf(available)) > 0) {
                body.write(b, p, available);
                p = b.length;
                throw new Incomplete();
            }
            body.write(b, p, n.intValue());
            p += n.intValue();
        }

        /** RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF chunk-data CRLF, ..., last-chunk, trailer-section, CRLF. */
        private void chunkedBody() throws Incomplete, Refused {
            while (true) {
                String line = line();
                int i = 0;
                while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0 && line.charAt(i) < 0x80) {
                    i++;
                }
                if (i == 0) {
                    throw new Refused("chunk size");
                }
                BigInteger size = new BigInteger(line.substring(0, i), 16);
                extensions(line, i);
                if (size.signum() == 0) {
                    for (String field; !(field = line()).isEmpty(); ) {
                        field(field);
                    }
                    return;
                }
                data(size);
                if (p == b.length || p + 1 == b.length && b[p] == '\r') {
                    throw new Incomplete();
                }
                if (b[p] != '\r' || b[p + 1] != '\n') {
                    throw new Refused("chunk data not followed by CRLF");
                }
                p += 2;
            }
        }

        /** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), val = token / quoted-string. */
        private static void extensions(String s, int i) throws Refused {
            int n = s.length();
            while (i < n) {
                i = ows(s, i);
                if (i == n || s.charAt(i) != ';') {
                    throw new Refused("chunk extension");
                }
                i = ows(s, i + 1);
                int start = i;
                i = token(s, i);
                if (i == start) {
                    throw new Refused("chunk extension name");
                }
                int j = ows(s, i);
                if (j < n && s.charAt(j) == '=') {
                    i = ows(s, j + 1);
                    if (i < n && s.charAt(i) == '"') {
                        i = quoted(s, i);
                    } else {
                        start = i;
                        i = token(s, i);
                        if (i == start) {
                            throw new Refused("chunk extension value");
                        }
                    }
                }
            }
        }

        private static int quoted(String s, int i) throws Refused {
            for (i++; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    return i + 1;
                }
                if (c == '\\') {
                    i++;
                    if (i == s.length() || s.charAt(i) < 0x20 && s.charAt(i) != '\t' || s.charAt(i) == 0x7f) {
                        throw new Refused("quoted-pair");
                    }
                } else if (c < 0x20 && c != '\t' || c == 0x7f) {
                    throw new Refused("qdtext");
                }
            }
            throw new Refused("unterminated quoted-string");
        }

        private static int ows(String s, int i) {
            while (i < s.length() && isOws(s.charAt(i))) {
                i++;
            }
            return i;
        }

        private static int token(String s, int i) {
            while (i < s.length() && isTchar(s.charAt(i))) {
                i++;
            }
            return i;
        }

        private static boolean isOws(char c) {
            return c == ' ' || c == '\t';
        }

        private static boolean isTchar(char c) {
            return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }

        private static boolean isToken(String s) {
            return !s.isEmpty() && s.chars().allMatch(c -> isTchar((char) c));
        }
    }
}
