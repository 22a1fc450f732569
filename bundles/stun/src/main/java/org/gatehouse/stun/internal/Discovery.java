package org.gatehouse.stun.internal;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * RFC 5780 NAT behaviour discovery for one primary UDP address: the four sockets formed by the
 * primary and alternate IP address with the primary and alternate port. A request arriving on any of
 * them learns the diagonal one as OTHER-ADDRESS, and CHANGE-REQUEST picks the socket the answer
 * leaves from.
 */
final class Discovery {

    /** [ip][port], 0 = primary, 1 = alternate; [0][0] holds the primary listener's sockets. */
    private final List<UdpHandler>[][] sockets;
    private final InetSocketAddress[][] addresses;

    @SuppressWarnings("unchecked")
    Discovery(InetSocketAddress primary, InetSocketAddress alternate, List<UdpHandler> primarySockets,
            UdpHandler primaryIpAlternatePort, UdpHandler alternateIpPrimaryPort, UdpHandler alternateIpAlternatePort) {
        sockets = new List[][] {
            {primarySockets, List.of(primaryIpAlternatePort)},
            {List.of(alternateIpPrimaryPort), List.of(alternateIpAlternatePort)}
        };
        addresses = new InetSocketAddress[][] {
            {primary, new InetSocketAddress(primary.getAddress(), alternate.getPort())},
            {new InetSocketAddress(alternate.getAddress(), primary.getPort()), alternate}
        };
    }

    /** A socket at position (ip, port); for the primary address, one of its per-thread sockets. */
    UdpHandler socket(int ip, int port) {
        return sockets[ip][port].get(0);
    }

    InetSocketAddress address(int ip, int port) {
        return addresses[ip][port];
    }

    /** Tells every socket of the group where it stands, so it answers with RFC 5780 attributes. */
    void attach() {
        for (int ip = 0; ip < 2; ip++) {
            for (int port = 0; port < 2; port++) {
                for (UdpHandler h : sockets[ip][port]) {
                    h.discovery(this, ip, port);
                }
            }
        }
    }

    /**
     * The primary sockets go back to plain STUN, unless a group that replaces this one has them
     * already; the caller closes the other three.
     */
    void detach() {
        for (UdpHandler h : sockets[0][0]) {
            if (h.discovery() == this) {
                h.discovery(null, 0, 0);
            }
        }
    }
}
