package org.gatehouse.tls.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Sees every request before its route, in ascending order of the standard {@code service.ranking}
 * property (highest first). Called on the client connection's event loop.
 */
public interface HttpFilter {

    /**
     * Lets the request go on (true) or stops it (false) after answering it through the exchange,
     * e.g. with 401, 429 or 503.
     */
    boolean beforeRoute(HttpExchange exchange);

    /** The status of every response sent, from a route or a filter (e.g. to count 403 answers). */
    default void afterResponse(HttpExchange exchange, HttpResponseStatus status) {
    }
}
