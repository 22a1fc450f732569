package org.gatehouse.stun;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a STUN server answered to a Binding request.
 *
 * @param server the server asked
 * @param local the local address the request left from
 * @param reflexive the address the server saw the request come from (XOR-MAPPED-ADDRESS or MAPPED-ADDRESS)
 * @param software the server's SOFTWARE attribute, or null
 * @param roundTrip time from the request that was answered to its answer
 * @param requestsSent requests sent, retransmissions included
 */
public record ProbeResult(InetSocketAddress server, InetSocketAddress local, InetSocketAddress reflexive,
        String software, Duration roundTrip, int requestsSent) {
}
