package org.gatehouse.stun;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.gatehouse.core.Listener;

/** Administration of the STUN responder: what it listens on, what it has seen, and a probe of any STUN server. */
public interface StunService {

    List<Listener> listeners();

    StunStatistics statistics();

    /**
     * Sends Binding requests (retransmitting as RFC 8489 says) to {@code server} over UDP and
     * completes with the reflexive address it reports, or exceptionally after {@code timeout}.
     */
    CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout);
}
