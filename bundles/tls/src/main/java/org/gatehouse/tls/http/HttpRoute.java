package org.gatehouse.tls.http;

/**
 * Serves the requests whose path starts with one of the service's {@link #PREFIX} values, e.g.
 * {@code /api/} or {@code /}. Called on the client connection's event loop with the request head;
 * the route reads the body (if it wants it) and writes the response through the exchange.
 */
public interface HttpRoute {

    /** Service property: the path prefix(es) served, a String or String[]. */
    String PREFIX = "gatehouse.http.prefix";

    /**
     * Service property: the largest request body this route accepts, in bytes (a Long); larger gets 413,
     * before any of it reaches the route when its Content-Length says so. The listener's
     * {@code max-body}, checked before a route is chosen, holds for every route: a larger value here
     * does not raise it.
     */
    String MAX_BODY = "gatehouse.http.max-body";

    void handle(HttpExchange exchange);
}
