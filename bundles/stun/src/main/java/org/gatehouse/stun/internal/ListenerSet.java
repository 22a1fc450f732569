package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gatehouse.core.Background;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.gatehouse.core.net.ListenerRetry;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sockets the responder listens on, brought in line with the configuration: addresses no longer
 * configured are closed, new ones opened, unchanged ones left alone (their clients notice nothing).
 * A UDP wildcard also gets a socket on each address of this host ({@link AddressSockets}), looked for
 * again every {@link #ADDRESS_CHECK_SECONDS} s, so that answers leave from the address asked.
 * Each bound address is published as a {@link Listener} service for status output; what of the
 * configuration could not be put in force is a {@link org.gatehouse.core.Problem} service meanwhile.
 */
final class ListenerSet {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    /** How often this host's addresses are listed again for the UDP wildcards' per-address sockets. */
    static final int ADDRESS_CHECK_SECONDS = 10;

    private final EventLoops loops;
    private final Dispatcher dispatcher;
    private final BundleContext context;
    private final Map<String, BoundListener> bound = new LinkedHashMap<>();
    /** 0.0.0.0:P with [::]:P of one protocol: one dual-stack socket, over every move of these listeners. */
    private final ListenerMove.DualStack dualStack = new ListenerMove.DualStack();
    private final DiscoveryGroups discovery;
    private final ProblemSlot problems;
    /** The UDP wildcards' sockets on each address of this host; only where SO_REUSEPORT lets them share the port. */
    private final AddressSockets addressSockets;
    private final ScheduledExecutorService addressCheck;
    /** Listeners the configuration asks for that could not be opened, tried again until they open. */
    private final ListenerRetry retry;
    /**
     * Every accepted TCP connection. A listen address taken out of the configuration stops accepting
     * but leaves its clients connected; stopping the responder closes them all.
     */
    private final ChannelGroup connections = new DefaultChannelGroup("stun-tcp", GlobalEventExecutor.INSTANCE);

    private volatile int tcpIdleSeconds = 600;
    /** max-allocate-timeout: read by each connection at each check, so a change applies to open ones too. */
    private volatile int allocateTimeoutSeconds = 60;
    /** Where TLS listeners get their context for each connection; null while no certificate service is there. */
    private volatile TlsContexts tls;
    private StunSettings last;
    private boolean reportedNoTls;

    ListenerSet(EventLoops loops, Dispatcher dispatcher, BundleContext context) {
        this(loops, dispatcher, context, AddressSockets::hostAddresses, ListenerRetry.INTERVAL_SECONDS * 1000L);
    }

    /**
     * {@code hostAddresses}: this host's addresses, listed again every {@link #ADDRESS_CHECK_SECONDS} s;
     * {@code retryMillis}: between tries of listeners that could not be opened.
     */
    ListenerSet(EventLoops loops, Dispatcher dispatcher, BundleContext context, Supplier<List<InetAddress>> hostAddresses, long retryMillis) {
        this.loops = loops;
        this.retry = new ListenerRetry("gatehouse-stun-listen-retry", this, retryMillis);
        this.dispatcher = dispatcher;
        this.context = context;
        this.problems = new ProblemSlot(context);
        // Our own wildcard holds the port: no probe for another process (it would find ours).
        this.addressSockets = new AddressSockets(hostAddresses, address -> bindUdp(address, true, false));
        // Binding waits for the event loop, so not on one of them.
        this.addressCheck = Background.thread("gatehouse-stun-addresses");
        this.discovery = new DiscoveryGroups(new DiscoveryGroups.Sockets() {
            @Override
            public BoundListener bind(InetSocketAddress address) throws InterruptedException {
                return bindUdp(address, false, true);
            }

            @Override
            public void register(BoundListener socket) {
                ListenerSet.this.register(socket, "udp");
            }
        });
        addressCheck.scheduleWithFixedDelay(this::checkAddresses, ADDRESS_CHECK_SECONDS, ADDRESS_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** The certificate service came ({@code contexts}) or went (null): TLS listeners open or close. */
    synchronized void tls(TlsContexts contexts) {
        this.tls = contexts;
        if (last != null) {
            apply(last);
        }
    }

    /**
     * Open connections take changed timeouts too: a new tcp-idle-timeout ({@code idleSeconds}, 0 when
     * unchanged) counts from now, a lowered max-allocate-timeout ({@code allocateSooner}) is looked at now.
     */
    private void timeoutsChanged(int idleSeconds, boolean allocateSooner) {
        if (idleSeconds == 0 && !allocateSooner) {
            return;
        }
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                if (idleSeconds > 0 && ch.pipeline().get(IDLE) != null) {
                    ch.pipeline().replace(IDLE, IDLE, new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                }
                TcpHandler h = ch.pipeline().get(TcpHandler.class);
                if (allocateSooner && h != null) {
                    h.timeoutShortened();
                }
            });
        }
    }

    private static final String IDLE = "idle";

    /** The listeners the configuration applied last asked for (before dual-stack pairs are merged). */
    private Map<String, InetSocketAddress> lastAsked = Map.of();

    synchronized void apply(StunSettings settings) {
        last = settings;
        int idleBefore = tcpIdleSeconds;
        int allocateBefore = allocateTimeoutSeconds;
        tcpIdleSeconds = settings.tcpIdleTimeoutSeconds();
        allocateTimeoutSeconds = settings.maxAllocateTimeoutSeconds();
        timeoutsChanged(idleBefore != tcpIdleSeconds ? tcpIdleSeconds : 0, allocateTimeoutSeconds < allocateBefore);
        if (!listen(settings, false)) {
            // Tried again with these settings until they open or another configuration (or certificate
            // service) applies.
            retry.retry(() -> last == settings && listen(settings, true));
        } else {
            retry.stop();
        }
    }

    /**
     * Opens and closes listeners for {@code settings}; {@code again}: a retry of those it asks for that
     * could not be opened, which logs nothing while they still cannot. Returns whether all are open.
     */
    private boolean listen(StunSettings settings, boolean again) {
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
        // The same listeners asked for as by the configuration before (another key changed, the
        // certificate service came back): nothing is moved, only what is missing is tried again, as by a
        // retry. A full move would close a listener kept in place of one that cannot be had to try that
        // one again, and a UDP listener's TURN allocations end with it.
        boolean sameAsked = !again && wanted.equals(lastAsked);
        lastAsked = Map.copyOf(wanted);
        boolean moveNothing = again || sameAsked;
        Set<String> merged = dualStack.merge(wanted, bound.keySet());
        InetSocketAddress alternate = settings.alternate();
        // A group whose listener goes goes with it: its sockets could hold ports the new listeners want.
        // (A retry closes no listener before it has opened another: the groups of those it keeps stay.)
        Set<String> staying = new HashSet<>(wanted.keySet());
        if (moveNothing) {
            staying.addAll(bound.keySet());
        }
        discovery.closeWhereListenerGoes(staying);
        List<String> opened = new ArrayList<>();
        String before = again ? ", which could not be opened before (tried again every " + ListenerRetry.INTERVAL_SECONDS + " s)" : "";
        ListenerMove.Sockets sockets = dualStack.sockets(new ListenerMove.Sockets() {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                bind(key.substring(0, 3), address, key, ListenerMove.DualStack.note(merged, key), before);
                opened.add(key);
            }

            @Override
            public void close(String key) {
                BoundListener l = bound.remove(key);
                LOG.info("STUN stopped listening on {}", l);
                // Before the wildcard: a replacement that wants the port wants it free.
                addressSockets.close(key);
                l.close();
            }

            @Override
            public boolean samePorts(String key, String other) {
                return key.startsWith("udp") == other.startsWith("udp");
            }
        }, merged, (key, line) -> LOG.info("STUN: {} {}", key.substring(0, 3), line));
        // No gap, and no working listener given up for one that cannot be had (ListenerMove); a retry
        // only opens what is missing.
        ListenerMove.Result r = moveNothing ? ListenerMove.retry(ListenerMove.addresses(bound), wanted, sockets)
                : ListenerMove.apply(ListenerMove.addresses(bound), wanted, sockets);
        if (!again) {
            r.kept().forEach(k -> LOG.info("STUN: kept {} (its replacement could not be opened)", bound.get(k)));
        }
        List<String> problems = new ArrayList<>();
        for (ListenerMove.Failure f : r.failed()) {
            // Named by the key the address came from: TLS listeners are tls-listen's, UDP and TCP listen's.
            String protocol = f.key().substring(0, 3);
            List<String> instead = r.kept().stream().filter(k -> k.startsWith(protocol)).map(k -> bound.get(k).toString()).toList();
            String meanwhile = !instead.isEmpty() ? String.join(", ", instead) + (instead.size() == 1 ? " serves" : " serve") + " in its place"
                    : bound.isEmpty() ? "no STUN listener is open" : "the other listeners keep serving";
            String what = settings.source() + ": " + (protocol.equals("tls") ? "tls-listen" : "listen") + ": cannot open " + protocol + " ";
            if (!again) {
                LOG.error("{}{}: {}; {}", what, IpAddresses.format(f.address()), f.reason(), meanwhile);
            }
            problems.add(what + f.describe() + "; " + meanwhile);
        }
        // The groups of listeners the move closed (one kept in place of a replacement that has now opened).
        discovery.closeWhereListenerGoes(bound.keySet());
        int listenerProblems = problems.size();
        discovery.apply(settings.source(), discoveryGroup(wanted, r.kept(), alternate), bound, problems, again);
        this.problems.set(problems);
        syncAddressSockets();
        // Behaviour discovery sockets that could not be opened are tried again too (an alternate
        // address that comes with a virtual IP later, a port another program frees).
        return r.failed().isEmpty() && problems.size() == listenerProblems;
    }

    /**
     * The behaviour discovery group to have: for the first concrete UDP listener of the alternate's
     * family that is open, a wanted one, else one kept in place of a wanted one that could not be opened
     * (its group closed with the move, as for a listener that goes). One only: a second would need the
     * same alternate sockets (the alternate address and port), which the first holds.
     */
    private Map<String, InetSocketAddress[]> discoveryGroup(Map<String, InetSocketAddress> wanted, List<String> kept,
            InetSocketAddress alternate) {
        Map<String, InetSocketAddress[]> group = new LinkedHashMap<>();
        if (alternate == null) {
            return group;
        }
        List<String> candidates = new ArrayList<>(wanted.keySet());
        candidates.addAll(kept);
        // One that has the group already keeps it (another could not open it while it holds the
        // alternate sockets); else the first.
        for (boolean onlyOpen : new boolean[] {true, false}) {
            for (String k : candidates) {
                BoundListener l = bound.get(k);
                InetSocketAddress a = wanted.containsKey(k) ? wanted.get(k) : l == null ? null : l.address();
                String key = DiscoveryGroups.key(k, alternate);
                if (l != null && a != null && k.startsWith("udp") && !a.getAddress().isAnyLocalAddress()
                        && (a.getAddress() instanceof Inet6Address) == (alternate.getAddress() instanceof Inet6Address)
                        && (!onlyOpen || discovery.has(key))) {
                    group.put(key, new InetSocketAddress[] {a, alternate});
                    return group;
                }
            }
        }
        return group;
    }

    /** This host's addresses may have changed (an interface came up, a virtual address failed over here). */
    synchronized void checkAddresses() {
        if (last != null) {
            try {
                syncAddressSockets();
            } catch (RuntimeException e) {
                LOG.warn("STUN: checking this host's addresses failed: {}", e.toString());
            }
        }
    }

    /** Every UDP wildcard gets a socket on each address of this host that no other listener serves on its port. */
    private void syncAddressSockets() {
        Map<String, BoundListener> wildcards = new LinkedHashMap<>();
        Set<InetSocketAddress> taken = new HashSet<>();
        if (loops.reusePortSupported()) {
            for (Map.Entry<String, BoundListener> e : bound.entrySet()) {
                if (e.getKey().startsWith("udp")) {
                    InetSocketAddress a = e.getValue().address();
                    if (a.getAddress().isAnyLocalAddress()) {
                        wildcards.put(e.getKey(), e.getValue());
                    } else {
                        taken.add(a);
                    }
                }
            }
            // An address listed on its own (even one that could not be opened) is that listener's.
            for (InetSocketAddress a : last.listen()) {
                taken.add(new InetSocketAddress(IpAddresses.canonical(a.getAddress()), a.getPort()));
            }
            for (BoundListener d : discovery.sockets()) {
                taken.add(d.address());
            }
        }
        addressSockets.sync(wildcards, taken);
    }

    /** The addresses UDP wildcard {@code listener} also has a socket on (empty for any other listener). */
    synchronized List<InetAddress> perAddress(Listener listener) {
        for (Map.Entry<String, BoundListener> e : bound.entrySet()) {
            if (e.getValue() == listener) {
                return addressSockets.addresses(e.getKey());
            }
        }
        return List.of();
    }

    private void bind(String protocol, InetSocketAddress address, String key, String note, String after) throws InterruptedException {
        BoundListener listener = protocol.equals("udp") ? bindUdp(address, true, true) : bindTcp(address, protocol);
        register(listener, protocol);
        bound.put(key, listener);
        LOG.info("STUN listening on {}{} ({} socket{}){}", listener, note, listener.sockets(), listener.sockets() == 1 ? "" : "s", after);
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

    /**
     * {@code perThread}: one socket per I/O thread on the same port where SO_REUSEPORT allows;
     * {@code probe}: fail when another process holds the port ({@link UdpSockets#requireUnused}).
     */
    private BoundListener bindUdp(InetSocketAddress address, boolean perThread, boolean probe) throws InterruptedException {
        if (probe && loops.reusePortSupported()) {
            UdpSockets.requireUnused(address);
        }
        List<UdpHandler> handlers = java.util.Collections.synchronizedList(new ArrayList<>());
        InternetProtocolFamily family = address.getAddress() instanceof Inet6Address
                ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        Bootstrap b = loops.datagramBootstrap(family).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                UdpHandler h = new UdpHandler(dispatcher, loops);
                handlers.add(h);
                ch.pipeline().addLast(h);
            }
        });
        // With SO_REUSEPORT every I/O thread gets its own socket on the same port; the kernel spreads
        // clients. Each socket is put on its own thread by name: the group's round robin is shared
        // with accepted connections and relay sockets, and could give two of them the same thread.
        List<EventLoop> threads = new ArrayList<>();
        if (perThread && loops.reusePortSupported()) {
            loops.group().forEach(e -> threads.add((EventLoop) e));
        }
        List<Channel> channels = new ArrayList<>();
        Channel first = bindOrThrow((threads.isEmpty() ? b : b.clone(threads.get(0))).bind(address));
        channels.add(first);
        InetSocketAddress actual = (InetSocketAddress) first.localAddress();
        UdpSockets.reportCappedQueue(b, first, actual);
        try {
            for (int i = 1; i < threads.size(); i++) {
                channels.add(bindOrThrow(b.clone(threads.get(i)).bind(actual)));
            }
        } catch (Exception e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return new BoundListener("udp", actual, channels, List.copyOf(handlers));
    }

    /**
     * TURN over TCP or TLS on io_uring: a connection's sends stay in its outbound buffer until the kernel
     * has completed them, a loop pass later, and relayed media is dropped at an unwritable connection
     * (TcpHandler.sendMedia). One pass can read a relay socket's whole queue, so Netty's 64 KiB mark
     * would drop a burst (a key frame) that epoll, one datagram per pass, let through.
     */
    static final WriteBufferWaterMark IO_URING_MEDIA_MARK = new WriteBufferWaterMark(256 * 1024, 512 * 1024);

    /** A TCP listener, or with {@code protocol} "tls" one that does the TLS handshake first (TURN over TLS, RFC 8656). */
    private BoundListener bindTcp(InetSocketAddress address, String protocol) throws InterruptedException {
        boolean secure = protocol.equals("tls");
        ServerBootstrap b = loops.serverBootstrap();
        if (loops.transport() == EventLoops.Transport.IO_URING) {
            b.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, IO_URING_MEDIA_MARK);
        }
        b.childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                TcpHandler handler = new TcpHandler(dispatcher, protocol, () -> allocateTimeoutSeconds);
                ch.pipeline().addLast(IDLE, new IdleStateHandler(0, 0, tcpIdleSeconds, TimeUnit.SECONDS));
                TlsContexts contexts = tls;
                if (secure) {
                    if (contexts == null) {
                        ch.close();
                        return;
                    }
                    // Asked per connection: a replaced certificate serves the next handshake.
                    SslHandler ssl = contexts.context().newHandler(ch.alloc());
                    // One TLS record per message, as coturn writes them (one SSL_write each): what the
                    // relay queued for this client in one loop pass leaves in one flush, which Netty
                    // would otherwise seal into one record, and clients such as turnutils_uclient take
                    // one record read as one message (the others in it were lost to them).
                    ssl.setWrapDataSize(0);
                    ch.pipeline().addLast(ssl);
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
            throw new IllegalStateException(ListenerMove.rootMessage(f.cause()), f.cause());
        }
        return f.channel();
    }

    /** For tests: the open TCP and TLS connections. */
    List<Channel> tcpConnections() {
        return List.copyOf(connections);
    }

    /** What of the configuration is not in force now, one line each (also registered as Problem services). */
    List<String> problems() {
        return problems.lines();
    }

    synchronized List<Listener> listeners() {
        List<Listener> all = new ArrayList<>(bound.values());
        all.addAll(discovery.sockets());
        return all;
    }

    /** Closes everything for good: a certificate service that comes or goes afterwards opens nothing. */
    synchronized void closeAll() {
        last = null;
        retry.close();
        addressCheck.shutdownNow();
        addressSockets.closeAll();
        discovery.closeAll();
        bound.values().forEach(BoundListener::close);
        bound.clear();
        problems.clear();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
