package org.gatehouse.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.gatehouse.core.Listener;

/** Administration of the STUN responder: what it listens on, what it has seen, and a probe of any STUN server. */
public interface StunService {

    List<Listener> listeners();

    /**
     * The addresses of this host a UDP wildcard listener ({@code 0.0.0.0:P}, {@code [::]:P}) among
     * {@link #listeners()} also has a socket on, so that each answer leaves from the address its
     * request was sent to; empty for any other listener.
     *
     * @since 1.2
     */
    default List<InetAddress> perAddress(Listener listener) {
        return List.of();
    }

    StunStatistics statistics();

    /**
     * Sends Binding requests (retransmitting as RFC 8489 says) to {@code server} over UDP and
     * completes with the reflexive address it reports, or exceptionally after {@code timeout}.
     */
    CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout);
}
