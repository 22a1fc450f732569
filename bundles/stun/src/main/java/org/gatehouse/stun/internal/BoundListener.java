package org.gatehouse.stun.internal;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import org.gatehouse.core.Listener;
import org.gatehouse.core.net.IpAddresses;
import org.osgi.framework.ServiceRegistration;

/** One configured address on one protocol: its sockets (one per I/O thread for UDP with SO_REUSEPORT). */
final class BoundListener implements Listener {

    private final String protocol;
    private final InetSocketAddress address;
    private final List<Channel> channels;
    private final List<UdpHandler> handlers;
    private ServiceRegistration<Listener> registration;

    BoundListener(String protocol, InetSocketAddress address, List<Channel> channels, List<UdpHandler> handlers) {
        this.protocol = protocol;
        this.address = address;
        this.channels = channels;
        this.handlers = handlers;
    }

    /** The UDP sockets' handlers (empty for TCP). */
    List<UdpHandler> handlers() {
        return handlers;
    }

    void registration(ServiceRegistration<Listener> registration) {
        this.registration = registration;
    }

    /** Closes the listening sockets. Established TCP connections are children and stay open. */
    void close() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
        for (Channel c : channels) {
            c.close().awaitUninterruptibly();
        }
    }

    int sockets() {
        return channels.size();
    }

    /** The I/O threads its sockets are served on (one each for a UDP listener with a socket per thread). */
    java.util.Set<io.netty.channel.EventLoop> threads() {
        java.util.Set<io.netty.channel.EventLoop> out = new java.util.HashSet<>();
        channels.forEach(c -> out.add(c.eventLoop()));
        return out;
    }

    @Override
    public String name() {
        return "stun";
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public String toString() {
        return protocol + " " + IpAddresses.format(address);
    }
}
