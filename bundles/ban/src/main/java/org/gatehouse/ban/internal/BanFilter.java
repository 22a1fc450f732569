package org.gatehouse.ban.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Predicate;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.RequestPath;

/**
 * The front door's side of the ban: a 403 answer to a conference token request
 * ({@code POST .../request_token}, the conferencing node's answer to a wrong PIN) counts as a failure
 * of the client's address, and a banned address gets 429 with Retry-After on every request.
 */
final class BanFilter implements HttpFilter {

    static final String TOKEN_REQUEST = "/request_token";

    private final BanTable table;
    private final Predicate<InetAddress> exempt;

    BanFilter(BanTable table, Predicate<InetAddress> exempt) {
        this.table = table;
        this.exempt = exempt;
    }

    @Override
    public boolean beforeRoute(HttpExchange exchange) {
        InetSocketAddress client = exchange.client();
        if (client == null) {
            return true;
        }
        BanTable.Banned ban = table.banned(client.getAddress());
        if (ban == null || exempt.test(client.getAddress())) {
            return true;
        }
        table.refused();
        refuse(exchange, ban);
        return false;
    }

    @Override
    public void afterResponse(HttpExchange exchange, HttpResponseStatus status) {
        if (status.code() != 403) {
            return;
        }
        HttpRequest request = exchange.request();
        InetSocketAddress client = exchange.client();
        if (request == null || client == null || !HttpMethod.POST.equals(request.method()) || !isTokenRequest(exchange.path())) {
            return;
        }
        if (exempt.test(client.getAddress())) {
            return;
        }
        table.failure(client.getAddress());
    }

    /**
     * Whether the node may have read {@code path} as a token request: it answered 403, so it took the
     * request for one, however it was spelt ({@code request%5Ftoken}, {@code request_token;x},
     * {@code request_token/.}, ...). Matched as {@link RequestPath} reads it, in any letter case:
     * some servers ignore case (IIS), and a 403 to a POST spelt like a token request is a wrong PIN
     * whichever the node is; counting only the spelling a test client sends would let a guesser
     * change spelling every few attempts and never be banned. A path no reading can be made of is
     * matched as sent.
     */
    static boolean isTokenRequest(String path) {
        List<String> readings = RequestPath.readings(path);
        for (String p : readings == null ? List.of(path) : readings) {
            if (endsWithIgnoreCase(p, TOKEN_REQUEST) || endsWithIgnoreCase(p, TOKEN_REQUEST + "/")) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsWithIgnoreCase(String s, String suffix) {
        return s.regionMatches(true, s.length() - suffix.length(), suffix, 0, suffix.length());
    }

    private void refuse(HttpExchange exchange, BanTable.Banned ban) {
        long remaining = table.secondsLeft(ban);
        String page = "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1>"
                + "<p>Too many wrong PINs were tried from your address. Try again in " + remaining + " seconds.</p></body></html>\n";
        ByteBuf body = ByteBufUtil.writeUtf8(exchange.alloc(), page);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.RETRY_AFTER, remaining)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        exchange.head(head);
        exchange.end(new DefaultLastHttpContent(body));
    }
}
