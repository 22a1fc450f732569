package org.gatehouse.tls;

import java.util.SortedMap;

/**
 * Counters of the HTTPS front door and the HTTP redirect listener since the TLS bundle started, for
 * the metrics endpoint: connections open now and responses sent by status code.
 */
public interface FrontStatistics {

    /** Listener name of the HTTPS front door, as its {@code Listener} service names it. */
    String HTTPS = "https";

    /** Listener name of the plain HTTP listener that redirects to HTTPS. */
    String HTTP_REDIRECT = "http-redirect";

    /** Client connections open now on the HTTPS and HTTP listeners together. */
    int openConnections();

    /**
     * Responses sent on {@code listener} ({@link #HTTPS} or {@link #HTTP_REDIRECT}) by status code,
     * ascending; codes never sent are absent. A WebSocket upgrade counts as its 101.
     */
    SortedMap<Integer, Long> responses(String listener);
}
