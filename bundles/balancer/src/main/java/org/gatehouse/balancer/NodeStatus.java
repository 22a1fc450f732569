package org.gatehouse.balancer;

import java.time.Instant;

/**
 * One node as the balancer sees it now.
 *
 * @param address {@code host:port}
 * @param weight its share of requests relative to the pool's other nodes
 * @param backup whether it gets requests only when every primary node is down or draining
 * @param state {@code up}, {@code down} (failed checks or too many failures), {@code unresolved} (its
 *     host name does not resolve, or its first lookup is under way: no requests until it does),
 *     {@code draining} (no new requests) or {@code removed} (out of the pool, finishing what it serves)
 * @param activeRequests exchanges in progress on it, event streams included
 * @param openStreams event streams (text/event-stream) and WebSocket connections open through it
 * @param requests requests sent to it since it joined the pool
 * @param failures failures (connect, timeout, broken or garbage answer) since it joined
 * @param latencyMicros average time to the response head over recent requests, in microseconds
 * @param idleConnections kept-alive connections to it waiting for a request
 * @param lastFailure why it last failed (a request, or its health check), in the log's words; null when it has not
 * @param lastFailureAt when it last failed; null when it has not
 */
public record NodeStatus(String address, int weight, boolean backup, String state, long activeRequests, long openStreams,
        long requests, long failures, long latencyMicros, int idleConnections, String lastFailure, Instant lastFailureAt) {

    /** A node that has not failed (no last failure). */
    public NodeStatus(String address, int weight, boolean backup, String state, long activeRequests, long openStreams,
            long requests, long failures, long latencyMicros, int idleConnections) {
        this(address, weight, backup, state, activeRequests, openStreams, requests, failures, latencyMicros, idleConnections, null, null);
    }
}
