package org.gatehouse.tls.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sees every request before its route, in ascending order of the standard {@code service.ranking}
 * property (highest first). Called on the client connection's event loop.
 */
public interface HttpFilter {

    /**
     * Service property: the filter's name ({@code "ldap"}), a String. A filter of the same name that
     * registers takes the place of one held by {@link #GUARDED_PATHS}.
     *
     * @since 1.9
     */
    String NAME = "gatehouse.filter";

    /**
     * Service property: the path prefixes a filter guards with authentication, a String or String[].
     * A filter that goes away (its bundle stopped, updated or refreshed) while its service still lists
     * them is held to them: the front answers 503 on those paths until a filter of the same
     * {@link #NAME} registers again, so that a path meant to need credentials is never served without
     * them. A filter that stops guarding on purpose (its configuration turned off) first updates its
     * service properties without this one, then unregisters.
     *
     * @since 1.9
     */
    String GUARDED_PATHS = "gatehouse.filter.guarded-paths";

    /**
     * Lets the request go on (true) or stops it (false) after answering it through the exchange,
     * e.g. with 401, 429 or 503.
     */
    boolean beforeRoute(HttpExchange exchange);

    /**
     * The asynchronous form of {@link #beforeRoute}, for a filter that must wait for something (a
     * directory, a database) and must not block the event loop doing so. The front calls this method,
     * which by default answers {@link #beforeRoute} at once. While the stage is pending the front stops
     * reading from the client; when it completes, on any thread, the front goes back to the exchange's
     * event loop and lets the request go on (true) or stops it (false). A filter that completes with
     * false answers the exchange first, on its {@link HttpExchange#eventLoop() event loop}; if it did
     * not, the front answers 403. A stage that fails is answered with 500. A client that closed
     * meanwhile never reaches a route.
     *
     * @since 1.2
     */
    default CompletionStage<Boolean> check(HttpExchange exchange) {
        return CompletableFuture.completedFuture(beforeRoute(exchange));
    }

    /**
     * The status of every response, from a route or a filter (e.g. to count 403 answers), told once as
     * its last part is handed to the connection: before the client can have read it, so its next
     * request already meets what the filter made of this one. An exchange whose connection closes
     * before that is told when it closes: with the status of the answer begun, or 499 when none had
     * begun (the client left, or was answered nothing); since 1.6.
     */
    default void afterResponse(HttpExchange exchange, HttpResponseStatus status) {
    }
}
