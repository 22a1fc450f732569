package org.gatehouse.stun;

/**
 * Counters since start, and rates per second over the last ten seconds.
 *
 * @param bindingRequests Binding requests answered (success or error)
 * @param errorResponses error responses sent (400, 420)
 * @param indications Binding indications (keep-alives) received
 * @param malformed datagrams and frames dropped because they were not well-formed STUN or ChannelData
 * @param turnMessages STUN messages passed to the TURN handler
 * @param channelData ChannelData frames passed to the TURN handler
 * @param unhandled messages and frames dropped because no TURN handler is installed, indications of a method nobody serves, or responses sent to the server
 * @param answersDropped UDP answers, and relayed media to TCP or TLS clients that stopped reading, dropped because
 *        the connection could not take them (send queue full)
 */
public record StunStatistics(long bindingRequests, long errorResponses, long indications, long malformed,
        long turnMessages, long channelData, long unhandled, long answersDropped, double requestsPerSecond,
        double errorsPerSecond, double malformedPerSecond) {
}
