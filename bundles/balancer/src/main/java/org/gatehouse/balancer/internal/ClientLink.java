package org.gatehouse.balancer.internal;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.gatehouse.tls.http.HttpExchange;

/**
 * What the proxy keeps per client connection, made with its first proxied request: the exchange in
 * progress, told when the connection closes by one listener for the connection's life (a listener
 * added and removed per request took the close future's monitor twice per request), and the
 * forwarding fields' values, which only change with the Host a request names.
 */
final class ClientLink implements ChannelFutureListener {

    /** Looked up by name: a balancer bundle started again finds a link of the old one, and replaces it. */
    private static final AttributeKey<Object> KEY = AttributeKey.valueOf("org.gatehouse.balancer.ClientLink");

    /** The client's address as the X-Forwarded-For and X-Real-IP fields give it (no IPv6 zone). */
    final String ip;
    private final String forwardedBase;
    private String host;
    private String forwarded;
    private ProxyExchange current;
    private boolean closed;

    private ClientLink(InetAddress client, boolean secure) {
        String a = client.getHostAddress();
        int zone = a.indexOf('%');
        ip = zone >= 0 ? a.substring(0, zone) : a;
        forwardedBase = "for=" + (client instanceof Inet6Address ? "\"[" + ip + "]\"" : ip) + ";proto=" + (secure ? "https" : "http");
        forwarded = forwardedBase;
    }

    /** The link of the exchange's connection, made on its first request; {@code x} is now its exchange. */
    static ClientLink of(HttpExchange x, ProxyExchange exchange) {
        Attribute<Object> a = x.channel().attr(KEY);
        Object o = a.get();
        ClientLink link;
        if (o instanceof ClientLink) {
            link = (ClientLink) o;
            link.current = exchange;
        } else {
            link = new ClientLink(x.client().getAddress(), x.secure());
            link.current = exchange;
            a.set(link);
            x.channel().closeFuture().addListener(link);
        }
        return link;
    }

    /** Whether the connection has closed. */
    boolean closed() {
        return closed;
    }

    /** {@code exchange} has ended: a close no longer concerns it. */
    void release(ProxyExchange exchange) {
        if (current == exchange) {
            current = null;
        }
    }

    @Override
    public void operationComplete(ChannelFuture future) {
        closed = true;
        ProxyExchange x = current;
        current = null;
        if (x != null) {
            x.clientGone();
        }
    }

    /** The Forwarded field's value for a request naming {@code originalHost} (null: none). */
    String forwarded(String originalHost) {
        if (originalHost == null) {
            return forwardedBase;
        }
        if (originalHost.equals(host)) {
            return forwarded;
        }
        if (!Headers.isForwardableHost(originalHost)) {
            return forwardedBase;
        }
        host = originalHost;
        forwarded = originalHost.indexOf(':') >= 0 ? forwardedBase + ";host=\"" + originalHost + '"'
                : forwardedBase + ";host=" + originalHost;
        return forwarded;
    }
}
