package org.gatehouse.turn;

/**
 * Counters since the TURN bundle started and gauges of now. Packets and bytes count application
 * data relayed (without STUN or ChannelData framing). "Dropped" counts data the relay did not forward:
 * no permission or channel for it, over the allocation's bandwidth cap, or the client's socket full.
 */
public record TurnStatistics(int allocations, int permissions, int channels, long allocationsCreated,
        long allocationsEnded, long packetsToPeers, long bytesToPeers, long packetsToClients, long bytesToClients,
        long dropped, long droppedOverBandwidth, long authFailures, long unauthenticatedAnswersLimited,
        long deniedPeers, long quotaRejections, long errorAnswers) {
}
