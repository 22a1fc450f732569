package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramChannel;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import org.gatehouse.core.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks around binding a UDP listener socket: a port held by another process, a capped receive queue. */
final class UdpSockets {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    private UdpSockets() {
    }

    /**
     * The kernel quietly caps a socket's receive queue at {@code net.core.rmem_max} (208 KiB on a
     * stock Linux); the operator hears of it once per listener, with the setting that lifts the cap.
     * Linux reports twice what it granted (its own bookkeeping included), so a granted request reads
     * back at least as large as asked.
     */
    static void reportCappedQueue(Bootstrap b, Channel channel, InetSocketAddress address) {
        Object asked = b.config().options().get(ChannelOption.SO_RCVBUF);
        if (!(asked instanceof Integer) || !(channel instanceof DatagramChannel)) {
            return;
        }
        int want = (Integer) asked;
        int got = ((DatagramChannel) channel).config().getReceiveBufferSize();
        if (got > 0 && got < want) {
            LOG.info("STUN: UDP listener {}: receive queue capped at {} KiB by net.core.rmem_max ({}), not the {} KiB asked; "
                    + "bursts beyond it are dropped; sysctl -w net.core.rmem_max={} lifts the cap",
                    IpAddresses.format(address), got / 2 / 1024, got / 2, want / 1024, want);
        }
    }

    /**
     * Our UDP sockets use SO_REUSEPORT, so binding a port another process (a second Gatehouse, say)
     * holds the same way would succeed and quietly split its traffic. A plain bind first fails
     * instead, with the usual "Address already in use".
     */
    static void requireUnused(InetSocketAddress address) {
        if (address.getPort() == 0) {
            return;
        }
        try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open(
                address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            probe.bind(address);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }
}
