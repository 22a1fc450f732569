package org.gatehouse.balancer.internal;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.gatehouse.tls.http.FieldSyntax;
import org.gatehouse.tls.http.HttpExchange;

/**
 * The header fields of a request as sent to a node and of an answer as sent to the client: hop-by-hop
 * fields (RFC 9110 7.6.1, and those the Connection field names) stay behind; the node learns who the
 * client is (X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, Forwarded). Gatehouse is
 * the edge: forwarding fields a client sent are replaced, never trusted and appended to.
 */
final class Headers {

    /**
     * Headers without validation (the request's fields were checked when read, the answer's by the
     * node-side decoder): one shared factory, as {@code new DefaultHttpHeaders(false)} makes a new
     * factory for every header set (Netty 4.1.137).
     */
    private static final DefaultHttpHeadersFactory UNVALIDATED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString FORWARDED = AsciiString.cached("Forwarded");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString HTTP = AsciiString.cached("http");

    /**
     * What an answer to the client never carries as the node sent it: hop-by-hop fields, and the node's
     * Server and X-Powered-By, which would tell anyone on the Internet what software (and version) the
     * private nodes run (nginx hides Server too).
     */
    private static final AsciiString[] NOT_TO_CLIENT = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
        AsciiString.cached("proxy-connection"), HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.SERVER,
        AsciiString.cached("x-powered-by")};

    /** What the request to a node never carries as the client sent it: hop-by-hop, Expect, and the fields set here. */
    private static final AsciiString[] NOT_FORWARDED = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
        AsciiString.cached("proxy-connection"), HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.EXPECT, X_FORWARDED_FOR,
        X_REAL_IP, X_FORWARDED_PROTO, X_FORWARDED_HOST, FORWARDED};

    private Headers() {
    }

    /**
     * The request for the node, built in one pass over the client's fields (no copy to strip
     * afterwards): the fields were checked when read, so they are not validated again.
     */
    static HttpRequest toNode(HttpRequest in, HttpExchange x, ClientLink link, Node node, PoolSettings settings, boolean upgrade) {
        HttpHeaders src = in.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        List<String> named = connectionNamed(src);
        String originalHost = src.get(HttpHeaderNames.HOST);
        boolean replaceHost = settings.hostHeader().equals("node") || originalHost == null && settings.hostPassedThrough()
                || !settings.hostPassedThrough();
        HttpHeaders h = UNVALIDATED.newHeaders();
        if (replaceHost) {
            h.add(HttpHeaderNames.HOST, settings.hostHeader().equals("node") || settings.hostPassedThrough() ? node.address() : settings.hostHeader());
        }
        Iterator<Map.Entry<CharSequence, CharSequence>> it = src.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (isOneOf(name, NOT_FORWARDED) || isClientClaim(name) || named != null && isNamed(name, named)
                    || chunked && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)
                    || replaceHost && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                continue;
            }
            h.add(name, e.getValue());
        }
        if (chunked) {
            h.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (upgrade) {
            h.add(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.add(HttpHeaderNames.UPGRADE, src.get(HttpHeaderNames.UPGRADE));
        }
        boolean secure = x.secure();
        h.add(X_FORWARDED_FOR, link.ip);
        h.add(X_REAL_IP, link.ip);
        h.add(X_FORWARDED_PROTO, secure ? HTTPS : HTTP);
        if (originalHost != null) {
            h.add(X_FORWARDED_HOST, originalHost);
        }
        h.add(FORWARDED, link.forwarded(originalHost));
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), in.uri(), h);
    }

    /**
     * The node's answer made the client's, in place (the decoder's header set is kept, not copied):
     * hop-by-hop fields, Server and X-Powered-By removed, HTTP/1.1. Framing is the front's own: the length the node gave, or
     * chunks when the node gave none (an event stream, or an answer ended by closing). The node-side
     * decoder does not validate fields (that would be a second pass over them): this pass refuses,
     * with null, a field name that is not a token or a value with a control character, as Netty's
     * validation did.
     */
    static HttpResponse toClient(HttpResponse in, boolean headRequest, HttpVersion clientVersion) {
        HttpHeaders h = in.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        List<String> named = connectionNamed(h);
        boolean hasLength = false;
        int drop = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (!FieldSyntax.isToken(name) || !FieldSyntax.isFieldValue(e.getValue())) {
                return null;
            }
            int hop = indexOf(name, NOT_TO_CLIENT);
            if (hop >= 0) {
                drop |= 1 << hop;
            } else if (named == null || !isNamed(name, named)) {
                hasLength |= AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH);
            }
        }
        for (int i = 0; drop != 0; i++, drop >>>= 1) {
            if ((drop & 1) != 0) {
                h.remove(NOT_TO_CLIENT[i]);
            }
        }
        if (named != null) {
            for (String n : named) {
                h.remove(n);
            }
        }
        int code = in.status().code();
        boolean noBody = headRequest || code == 204 || code == 304 || code < 200;
        if (!noBody && (chunked || !hasLength && clientVersion.equals(HttpVersion.HTTP_1_1))) {
            h.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        in.setProtocolVersion(HttpVersion.HTTP_1_1);
        return in;
    }

    /**
     * The field names the Connection field lists (RFC 9110 7.6.1), or null when it lists none. Read
     * without splitting: nearly every answer says only "keep-alive" or "close", which costs nothing.
     */
    private static List<String> connectionNamed(HttpHeaders h) {
        Iterator<? extends CharSequence> values = h.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
        List<String> named = null;
        while (values.hasNext()) {
            CharSequence v = values.next();
            int n = v.length();
            int i = 0;
            while (i < n) {
                int comma = i;
                while (comma < n && v.charAt(comma) != ',') {
                    comma++;
                }
                int from = i;
                int to = comma;
                while (from < to && isSpace(v.charAt(from))) {
                    from++;
                }
                while (to > from && isSpace(v.charAt(to - 1))) {
                    to--;
                }
                // A client may not make us drop the fields that frame or address the request.
                if (to > from && !isToken(v, from, to, "content-length") && !isToken(v, from, to, "host")
                        && !isToken(v, from, to, "close") && !isToken(v, from, to, "keep-alive")) {
                    if (named == null) {
                        named = new ArrayList<>(2);
                    }
                    named.add(v.subSequence(from, to).toString());
                }
                i = comma + 1;
            }
        }
        return named;
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c);
    }

    /** Whether {@code v[from, to)} is {@code token} (lower case), ignoring case. */
    private static boolean isToken(CharSequence v, int from, int to, String token) {
        if (to - from != token.length()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = v.charAt(from + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != token.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A field in which a proxy tells the node about the client, written by the client itself: every
     * {@code X-Forwarded-*} (Port, Prefix, Ssl, Scheme, Server... which node frameworks honour for
     * their redirects and absolute URLs), {@code X-Client-IP}, {@code True-Client-IP} and
     * {@code X-Cluster-Client-IP}, with {@code _} for {@code -} too (CGI, WSGI and PHP read
     * {@code X_Forwarded_For} as {@code HTTP_X_FORWARDED_FOR}). Gatehouse is the edge: none is passed on.
     */
    static boolean isClientClaim(CharSequence name) {
        int n = name.length();
        if (n < 9 || !(name.charAt(0) == 'x' || name.charAt(0) == 'X' || name.charAt(0) == 't' || name.charAt(0) == 'T')) {
            return false;
        }
        return startsWithField(name, "x-forwarded-") || equalsField(name, "x-client-ip") || equalsField(name, "true-client-ip")
                || equalsField(name, "x-cluster-client-ip") || equalsField(name, "x-real-ip") || equalsField(name, "x-forwarded-for");
    }

    /** {@code name} starts with {@code prefix} (lower case, '-' for '-' or '_'), ignoring case. */
    private static boolean startsWithField(CharSequence name, String prefix) {
        if (name.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            } else if (c == '_') {
                c = '-';
            }
            if (c != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsField(CharSequence name, String field) {
        return name.length() == field.length() && startsWithField(name, field);
    }

    private static boolean isOneOf(CharSequence name, AsciiString[] names) {
        return indexOf(name, names) >= 0;
    }

    private static int indexOf(CharSequence name, AsciiString[] names) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].contentEqualsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isNamed(CharSequence name, List<String> named) {
        for (String n : named) {
            if (AsciiString.contentEqualsIgnoreCase(name, n)) {
                return true;
            }
        }
        return false;
    }

    /** A Host value safe to repeat in Forwarded's host= (RFC 7239 token or quoted string): [A-Za-z0-9.:-[]]+. */
    static boolean isForwardableHost(String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '-' || c == '['
                    || c == ']')) {
                return false;
            }
        }
        return true;
    }
}
