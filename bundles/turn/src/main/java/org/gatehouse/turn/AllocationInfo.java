package org.gatehouse.turn;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * One allocation as the shell and the metrics show it: the client's 5-tuple ({@code protocol},
 * {@code client}, {@code server}), who authenticated it, the relayed addresses it was given (the
 * external addresses where NAT mapping is configured), where its relay sockets are bound ({@code bound},
 * in the same order: the local addresses behind those external ones, else the same), and its traffic.
 * "To peers" counts what the client sent through the relay; "to client" what peers sent back.
 */
public record AllocationInfo(long id, String user, String protocol, InetSocketAddress client, InetSocketAddress server,
        List<InetSocketAddress> relayed, List<InetSocketAddress> bound, Duration age, Duration expiresIn, int permissions,
        int channels, long packetsToPeers, long bytesToPeers, long packetsToClient, long bytesToClient) {

    /**
     * An allocation whose relay sockets are bound at the relayed addresses themselves (no NAT mapping).
     */
    public AllocationInfo(long id, String user, String protocol, InetSocketAddress client, InetSocketAddress server,
            List<InetSocketAddress> relayed, Duration age, Duration expiresIn, int permissions, int channels,
            long packetsToPeers, long bytesToPeers, long packetsToClient, long bytesToClient) {
        this(id, user, protocol, client, server, relayed, relayed, age, expiresIn, permissions, channels, packetsToPeers,
                bytesToPeers, packetsToClient, bytesToClient);
    }
}
