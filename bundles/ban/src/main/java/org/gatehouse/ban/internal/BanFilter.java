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
import java.util.function.Predicate;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;

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

    static boolean isTokenRequest(String path) {
        return path.endsWith(TOKEN_REQUEST) || path.endsWith(TOKEN_REQUEST + "/");
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
