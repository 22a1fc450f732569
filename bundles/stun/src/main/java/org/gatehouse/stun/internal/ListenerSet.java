package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.net.IpAddresses;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sockets the responder listens on, brought in line with the configuration: addresses no longer
 * configured are closed, new ones opened, unchanged ones left alone (their clients notice nothing).
 * Each bound address is published as a {@link Listener} service for status output.
 */
final class ListenerSet {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    private final EventLoops loops;
    private final Dispatcher dispatcher;
    private final BundleContext context;
    private final Map<String, BoundListener> bound = new LinkedHashMap<>();
    private volatile int tcpIdleSeconds = 600;

    ListenerSet(EventLoops loops, Dispatcher dispatcher, BundleContext context) {
        this.loops = loops;
        this.dispatcher = dispatcher;
        this.context = context;
    }

    synchronized void apply(StunSettings settings) {
        tcpIdleSeconds = settings.tcpIdleTimeoutSeconds();
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        for (InetSocketAddress a : settings.listen()) {
            wanted.put(key("udp", a), a);
            if (settings.tcp()) {
                wanted.put(key("tcp", a), a);
            }
        }
        bound.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                LOG.info("STUN stopped listening on {}", e.getValue());
                e.getValue().close();
                return true;
            }
            return false;
        });
        for (Map.Entry<String, InetSocketAddress> e : wanted.entrySet()) {
            if (bound.containsKey(e.getKey())) {
                continue;
            }
            String protocol = e.getKey().substring(0, 3);
            try {
                BoundListener listener = protocol.equals("udp") ? bindUdp(e.getValue()) : bindTcp(e.getValue());
                Hashtable<String, Object> props = new Hashtable<>();
                props.put("protocol", protocol);
                props.put("address", IpAddresses.format(listener.address()));
                if (context != null) {
                    listener.registration(context.registerService(Listener.class, listener, props));
                }
                bound.put(e.getKey(), listener);
                LOG.info("STUN listening on {} ({} socket{})", listener, listener.sockets(), listener.sockets() == 1 ? "" : "s");
            } catch (Exception ex) {
                LOG.error("{}: listen: cannot open {} {}: {}; the other listeners keep serving", settings.source(), protocol,
                        IpAddresses.format(e.getValue()), rootMessage(ex));
            }
        }
    }

    private static String key(String protocol, InetSocketAddress a) {
        return protocol + " " + IpAddresses.format(a);
    }

    private BoundListener bindUdp(InetSocketAddress address) throws InterruptedException {
        InternetProtocolFamily family = address.getAddress() instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        Bootstrap b = loops.datagramBootstrap(family).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new UdpHandler(dispatcher));
            }
        });
        List<Channel> channels = new ArrayList<>();
        Channel first = bindOrThrow(b.bind(address));
        channels.add(first);
        InetSocketAddress actual = (InetSocketAddress) first.localAddress();
        // With SO_REUSEPORT every I/O thread gets its own socket on the same port; the kernel spreads clients.
        int extra = loops.reusePortSupported() ? loops.threads() - 1 : 0;
        try {
            for (int i = 0; i < extra; i++) {
                channels.add(bindOrThrow(b.bind(actual)));
            }
        } catch (Exception e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return new BoundListener("udp", actual, channels);
    }

    private BoundListener bindTcp(InetSocketAddress address) throws InterruptedException {
        ServerBootstrap b = loops.serverBootstrap().childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                TcpHandler handler = new TcpHandler(dispatcher, "tcp");
                ch.pipeline().addLast(new IdleStateHandler(0, 0, tcpIdleSeconds, TimeUnit.SECONDS),
                        new TcpFrameDecoder(dispatcher, handler), handler);
            }
        });
        Channel server = bindOrThrow(b.bind(address));
        return new BoundListener("tcp", (InetSocketAddress) server.localAddress(), List.of(server));
    }

    private static Channel bindOrThrow(ChannelFuture f) throws InterruptedException {
        f.await();
        if (!f.isSuccess()) {
            f.channel().close();
            throw new IllegalStateException(rootMessage(f.cause()), f.cause());
        }
        return f.channel();
    }

    synchronized List<Listener> listeners() {
        return List.copyOf(bound.values());
    }

    synchronized void closeAll() {
        bound.values().forEach(BoundListener::close);
        bound.clear();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
