package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.GlobalEventExecutor;
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
import org.gatehouse.core.net.ListenerMove;
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
    private final Map<String, DiscoveryGroup> discovery = new LinkedHashMap<>();
    /**
     * Every accepted TCP connection. A listen address taken out of the configuration stops accepting
     * but leaves its clients connected; stopping the responder closes them all.
     */
    private final ChannelGroup connections = new DefaultChannelGroup("stun-tcp", GlobalEventExecutor.INSTANCE);

    /** The three extra sockets of one RFC 5780 group, and the group itself. */
    private record DiscoveryGroup(Discovery discovery, List<BoundListener> sockets) {
        void close() {
            discovery.detach();
            sockets.forEach(BoundListener::close);
        }
    }
    private volatile int tcpIdleSeconds = 600;
    /** Where TLS listeners get their context for each connection; null while no certificate service is there. */
    private volatile TlsContexts tls;
    private StunSettings last;
    private boolean reportedNoTls;

    ListenerSet(EventLoops loops, Dispatcher dispatcher, BundleContext context) {
        this.loops = loops;
        this.dispatcher = dispatcher;
        this.context = context;
    }

    /** The certificate service came ({@code contexts}) or went (null): TLS listeners open or close. */
    synchronized void tls(TlsContexts contexts) {
        this.tls = contexts;
        if (last != null) {
            apply(last);
        }
    }

    synchronized void apply(StunSettings settings) {
        last = settings;
        tcpIdleSeconds = settings.tcpIdleTimeoutSeconds();
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        for (InetSocketAddress a : settings.listen()) {
            wanted.put(key("udp", a), a);
            if (settings.tcp()) {
                wanted.put(key("tcp", a), a);
            }
        }
        if (tls != null) {
            for (InetSocketAddress a : settings.tlsListen()) {
                wanted.put(key("tls", a), a);
            }
        } else if (!settings.tlsListen().isEmpty() && !reportedNoTls) {
            LOG.info("STUN: TLS listeners ({}) wait for the certificate service (bundle org.gatehouse.tls)",
                    settings.tlsListen().stream().map(IpAddresses::format).collect(java.util.stream.Collectors.joining(", ")));
            reportedNoTls = true;
        }
        java.util.Set<String> dualStackPairs = collapseWildcardPairs(wanted);
        Map<String, InetSocketAddress[]> wantedGroups = new LinkedHashMap<>();
        InetSocketAddress alternate = settings.alternate();
        if (alternate != null) {
            for (Map.Entry<String, InetSocketAddress> e : wanted.entrySet()) {
                InetSocketAddress a = e.getValue();
                if (e.getKey().startsWith("udp") && !a.getAddress().isAnyLocalAddress()
                        && (a.getAddress() instanceof Inet6Address) == (alternate.getAddress() instanceof Inet6Address)) {
                    wantedGroups.put(e.getKey() + " alternate " + IpAddresses.format(alternate), new InetSocketAddress[] {a, alternate});
                }
            }
        }
        discovery.entrySet().removeIf(e -> {
            if (!wantedGroups.containsKey(e.getKey())) {
                e.getValue().close();
                LOG.info("STUN behaviour discovery (RFC 5780) off for {}", e.getKey());
                return true;
            }
            return false;
        });
        // No gap, and no working listener given up for one that cannot be had (ListenerMove).
        ListenerMove.Result r = ListenerMove.apply(ListenerMove.addresses(bound), wanted, new ListenerMove.Sockets() {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                ListenerSet.this.open(key, address, dualStackPairs.contains(key));
            }

            @Override
            public void close(String key) {
                BoundListener l = bound.remove(key);
                LOG.info("STUN stopped listening on {}", l);
                l.close();
            }

            @Override
            public boolean samePorts(String key, String other) {
                return key.startsWith("udp") == other.startsWith("udp");
            }
        });
        r.kept().forEach(k -> LOG.info("STUN: kept {} (its replacement could not be opened)", bound.get(k)));
        // Named by the key the address came from: TLS listeners are tls-listen's, UDP and TCP listen's.
        r.failed().forEach(f -> LOG.error("{}: {}: cannot open {} {}: {}; the other listeners keep serving", settings.source(),
                f.key().startsWith("tls") ? "tls-listen" : "listen", f.key().substring(0, 3), IpAddresses.format(f.address()),
                f.reason()));
        for (Map.Entry<String, InetSocketAddress[]> e : wantedGroups.entrySet()) {
            BoundListener primary = bound.get(e.getKey().substring(0, e.getKey().indexOf(" alternate ")));
            if (discovery.containsKey(e.getKey()) || primary == null) {
                continue;
            }
            try {
                DiscoveryGroup group = openDiscovery(primary, e.getValue()[1]);
                discovery.put(e.getKey(), group);
                LOG.info("STUN behaviour discovery (RFC 5780) on for {} with alternate {}", primary,
                        IpAddresses.format(group.discovery().address(1, 1)));
            } catch (Exception ex) {
                LOG.error("{}: alternate-address: cannot open the RFC 5780 sockets for {} with {}: {}; behaviour discovery stays off there",
                        settings.source(), primary, IpAddresses.format(e.getValue()[1]), rootMessage(ex));
            }
        }
    }

    /**
     * Opens listener {@code key} on {@code address}; a dual-stack [::] that cannot be had (no IPv6 on
     * this host) opens 0.0.0.0 on its port instead.
     */
    private void open(String key, InetSocketAddress address, boolean dualStack) throws Exception {
        String protocol = key.substring(0, 3);
        try {
            bind(protocol, address, key, dualStack ? " (dual-stack: IPv4 too)" : "");
        } catch (Exception ex) {
            if (!dualStack || ListenerMove.addressInUse(ex)) {
                // In use (an IPv6 listener given up in the same change, say) is no sign of a host
                // without IPv6: ListenerMove closes the old one and tries again.
                throw ex;
            }
            // No IPv6 on this host: the configured IPv4 wildcard is served on its own.
            InetSocketAddress v4 = new InetSocketAddress("0.0.0.0", address.getPort());
            LOG.info("STUN: {} {} unavailable ({}); opening {} {} for IPv4", protocol, IpAddresses.format(address),
                    rootMessage(ex), protocol, IpAddresses.format(v4));
            bind(protocol, v4, key(protocol, v4), "");
        }
    }

    private void bind(String protocol, InetSocketAddress address, String key, String note) throws InterruptedException {
        BoundListener listener = protocol.equals("udp") ? bindUdp(address, true) : bindTcp(address, protocol);
        register(listener, protocol);
        bound.put(key, listener);
        LOG.info("STUN listening on {}{} ({} socket{})", listener, note, listener.sockets(), listener.sockets() == 1 ? "" : "s");
    }

    /**
     * 0.0.0.0:P and [::]:P on one protocol cannot both be bound: on Linux a [::] socket takes IPv4
     * too. One dual-stack [::]:P socket serves both; 0.0.0.0:P is opened only where IPv6 is missing
     * (and, once open that way, kept). Returns the keys of the [::] listeners that stand in for both.
     */
    private java.util.Set<String> collapseWildcardPairs(Map<String, InetSocketAddress> wanted) {
        java.util.Set<String> dualStackPairs = new java.util.HashSet<>();
        for (String protocol : new String[] {"udp", "tcp", "tls"}) {
            for (InetSocketAddress a : List.copyOf(wanted.values())) {
                if (!(a.getAddress() instanceof Inet6Address) || !a.getAddress().isAnyLocalAddress()) {
                    continue;
                }
                String v6 = key(protocol, a);
                String v4 = key(protocol, new InetSocketAddress("0.0.0.0", a.getPort()));
                if (!wanted.containsKey(v6) || !wanted.containsKey(v4)) {
                    continue;
                }
                if (bound.containsKey(v4) && !bound.containsKey(v6)) {
                    wanted.remove(v6);
                } else {
                    wanted.remove(v4);
                    dualStackPairs.add(v6);
                }
            }
        }
        return dualStackPairs;
    }

    /** Binds (primary IP, alternate port), (alternate IP, primary port) and (alternate IP, alternate port). */
    private DiscoveryGroup openDiscovery(BoundListener primary, InetSocketAddress alternate) throws InterruptedException {
        List<BoundListener> opened = new ArrayList<>();
        try {
            InetSocketAddress p = primary.address();
            BoundListener primaryIpAltPort = bindUdp(new InetSocketAddress(p.getAddress(), alternate.getPort()), false);
            opened.add(primaryIpAltPort);
            int altPort = primaryIpAltPort.address().getPort();
            BoundListener altIpPrimaryPort = bindUdp(new InetSocketAddress(alternate.getAddress(), p.getPort()), false);
            opened.add(altIpPrimaryPort);
            BoundListener altIpAltPort = bindUdp(new InetSocketAddress(alternate.getAddress(), altPort), false);
            opened.add(altIpAltPort);
            Discovery d = new Discovery(p, altIpAltPort.address(), primary.handlers(), primaryIpAltPort.handlers().get(0),
                    altIpPrimaryPort.handlers().get(0), altIpAltPort.handlers().get(0));
            for (BoundListener l : opened) {
                register(l, "udp");
            }
            d.attach();
            return new DiscoveryGroup(d, opened);
        } catch (Exception e) {
            opened.forEach(BoundListener::close);
            throw e;
        }
    }

    private void register(BoundListener listener, String protocol) {
        if (context != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("protocol", protocol);
            props.put("address", IpAddresses.format(listener.address()));
            listener.registration(context.registerService(Listener.class, listener, props));
        }
    }

    private static String key(String protocol, InetSocketAddress a) {
        return protocol + " " + IpAddresses.format(a);
    }

    /** {@code perThread}: one socket per I/O thread on the same port where SO_REUSEPORT allows. */
    private BoundListener bindUdp(InetSocketAddress address, boolean perThread) throws InterruptedException {
        if (loops.reusePortSupported()) {
            requireUnused(address);
        }
        List<UdpHandler> handlers = java.util.Collections.synchronizedList(new ArrayList<>());
        InternetProtocolFamily family = address.getAddress() instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        Bootstrap b = loops.datagramBootstrap(family).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                UdpHandler h = new UdpHandler(dispatcher);
                handlers.add(h);
                ch.pipeline().addLast(h);
            }
        });
        List<Channel> channels = new ArrayList<>();
        Channel first = bindOrThrow(b.bind(address));
        channels.add(first);
        InetSocketAddress actual = (InetSocketAddress) first.localAddress();
        reportCappedQueue(b, first, actual);
        // With SO_REUSEPORT every I/O thread gets its own socket on the same port; the kernel spreads clients.
        int extra = perThread && loops.reusePortSupported() ? loops.threads() - 1 : 0;
        try {
            for (int i = 0; i < extra; i++) {
                channels.add(bindOrThrow(b.bind(actual)));
            }
        } catch (Exception e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return new BoundListener("udp", actual, channels, List.copyOf(handlers));
    }

    /**
     * The kernel quietly caps a socket's receive queue at {@code net.core.rmem_max} (208 KiB on a
     * stock Linux); the operator hears of it once per listener, with the setting that lifts the cap.
     * Linux reports twice what it granted (its own bookkeeping included), so a granted request reads
     * back at least as large as asked.
     */
    private static void reportCappedQueue(Bootstrap b, Channel channel, InetSocketAddress address) {
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
    private static void requireUnused(InetSocketAddress address) {
        if (address.getPort() == 0) {
            return;
        }
        try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open(
                address.getAddress() instanceof Inet6Address ? java.net.StandardProtocolFamily.INET6
                        : java.net.StandardProtocolFamily.INET)) {
            probe.bind(address);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    /** A TCP listener, or with {@code protocol} "tls" one that does the TLS handshake first (TURN over TLS, RFC 8656). */
    private BoundListener bindTcp(InetSocketAddress address, String protocol) throws InterruptedException {
        boolean secure = protocol.equals("tls");
        ServerBootstrap b = loops.serverBootstrap().childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                TcpHandler handler = new TcpHandler(dispatcher, protocol);
                ch.pipeline().addLast(new IdleStateHandler(0, 0, tcpIdleSeconds, TimeUnit.SECONDS));
                TlsContexts contexts = tls;
                if (secure) {
                    if (contexts == null) {
                        ch.close();
                        return;
                    }
                    // Asked per connection: a replaced certificate serves the next handshake.
                    ch.pipeline().addLast(contexts.context().newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new TcpFrameDecoder(dispatcher, handler), handler);
            }
        });
        Channel server = bindOrThrow(b.bind(address));
        return new BoundListener(protocol, (InetSocketAddress) server.localAddress(), List.of(server), List.of());
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
        List<Listener> all = new ArrayList<>(bound.values());
        discovery.values().forEach(g -> all.addAll(g.sockets()));
        return all;
    }

    synchronized void closeAll() {
        discovery.values().forEach(DiscoveryGroup::close);
        discovery.clear();
        bound.values().forEach(BoundListener::close);
        bound.clear();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
