package org.gatehouse.balancer.internal;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.tls.http.HttpExchange;

/**
 * The header fields of a request as sent to a node and of an answer as sent to the client: hop-by-hop
 * fields (RFC 9110 7.6.1, and those the Connection field names) stay behind; the node learns who the
 * client is (X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, Forwarded). Gatehouse is
 * the edge: forwarding fields a client sent are replaced, never trusted and appended to.
 */
final class Headers {

    private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            "proxy-connection", HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.TRANSFER_ENCODING);

    /** A Host value safe to repeat in Forwarded's host= (RFC 7239 token or quoted string). */
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.:\\-\\[\\]]+");

    private Headers() {
    }

    static HttpRequest toNode(HttpRequest in, HttpExchange x, Node node, PoolSettings settings, boolean upgrade) {
        HttpHeaders h = in.headers().copy();
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        String upgradeTo = in.headers().get(HttpHeaderNames.UPGRADE);
        stripHopByHop(h);
        h.remove(HttpHeaderNames.EXPECT);
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        if (upgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, upgradeTo);
        }
        String originalHost = in.headers().get(HttpHeaderNames.HOST);
        if (settings.hostHeader().equals("node") || originalHost == null && settings.hostPassedThrough()) {
            h.set(HttpHeaderNames.HOST, node.address());
        } else if (!settings.hostPassedThrough()) {
            h.set(HttpHeaderNames.HOST, settings.hostHeader());
        }
        InetAddress client = x.client().getAddress();
        String ip = client.getHostAddress();
        int zone = ip.indexOf('%');
        if (zone >= 0) {
            ip = ip.substring(0, zone);
        }
        String proto = x.secure() ? "https" : "http";
        h.set("X-Forwarded-For", ip);
        h.set("X-Real-IP", ip);
        h.set("X-Forwarded-Proto", proto);
        if (originalHost != null) {
            h.set("X-Forwarded-Host", originalHost);
        } else {
            h.remove("X-Forwarded-Host");
        }
        StringBuilder fwd = new StringBuilder("for=");
        fwd.append(client instanceof Inet6Address ? "\"[" + ip + "]\"" : ip).append(";proto=").append(proto);
        if (originalHost != null && HOST.matcher(originalHost).matches()) {
            fwd.append(";host=").append(originalHost.indexOf(':') >= 0 ? "\"" + originalHost + "\"" : originalHost);
        }
        h.set("Forwarded", fwd.toString());
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), in.uri(), h);
    }

    /**
     * The node's answer for the client. Framing is the front's own: the length the node gave, or
     * chunks when the node gave none (an event stream, or an answer ended by closing).
     */
    static HttpResponse toClient(HttpResponse in, boolean headRequest, HttpVersion clientVersion) {
        HttpHeaders h = in.headers().copy();
        boolean chunked = HttpUtil.isTransferEncodingChunked(in);
        stripHopByHop(h);
        int code = in.status().code();
        boolean noBody = headRequest || code == 204 || code == 304 || code < 200;
        if (!noBody && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && clientVersion.equals(HttpVersion.HTTP_1_1)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else if (chunked && !noBody) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, in.status(), h);
    }

    private static void stripHopByHop(HttpHeaders h) {
        List<String> named = new ArrayList<>();
        for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : v.split(",")) {
                String t = token.strip();
                // A client may not make us drop the fields that frame or address the request.
                if (!t.isEmpty() && !t.equalsIgnoreCase("content-length") && !t.equalsIgnoreCase("host")) {
                    named.add(t);
                }
            }
        }
        for (String n : named) {
            h.remove(n);
        }
        for (CharSequence n : HOP_BY_HOP) {
            h.remove(n);
        }
    }
}
