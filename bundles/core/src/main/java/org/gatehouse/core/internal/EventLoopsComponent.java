package org.gatehouse.core.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the process's I/O threads. The group cannot be resized under open sockets, so a changed
 * thread count or transport is taken at the next start; every open connection keeps its thread.
 */
@Component(name = "org.gatehouse.core.event-loops", configurationPid = CoreSettings.PID, immediate = true)
@Designate(ocd = CoreSettings.class)
public final class EventLoopsComponent implements EventLoops {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoopsComponent.class);

    /**
     * A listener's receive queue: deep enough to ride out a young collection or a burst without the
     * kernel dropping datagrams, shallow enough that a saturated loop does not serve media from a
     * queue hundreds of milliseconds deep. In the saturated TURN round of bench/turn-relay.sh
     * (alternating runs, net.core.rmem_max 4 MiB), the probe's median echo took 161 to 179 ms with
     * 4 MiB and 38 to 67 ms with 1 MiB.
     */
    private static final int UDP_RECEIVE_BUFFER = 1 << 20;

    private EventLoopGroup group;
    private Transport transport;
    private int threads;
    private String nativeUnavailableReason = "";
    /** The native transport in use, or null on NIO. */
    private NativeTransport nativeTransport;
    /**
     * io-threads or io-transport refused, or a native transport asked for and not loading: Problems while
     * the file says so (a refusal only logged would soon be out of sight while gatehouse:status says "All well.").
     */
    private ProblemSlot problems = new ProblemSlot(null);
    /** The io-transport = io_uring or epoll that could not be had at start, or null. */
    private String nativeMissing;
    /** The transport asked for at start. */
    private Choice asked = Choice.AUTO;

    enum Choice { AUTO, IO_URING, EPOLL, NIO }

    /**
     * Named apart from {@link #activate(Map)}: Declarative Services would prefer a method of that name
     * taking only the Map, and the Problems would then never be registered.
     */
    @Activate
    void activateInFramework(BundleContext context, Map<String, Object> properties) {
        problems = new ProblemSlot(context);
        activate(properties);
    }

    /** Outside OSGi (tests): the Problems are only kept. */
    void activate(Map<String, Object> properties) {
        Settings settings = Settings.of(CoreSettings.PID, properties);
        int configured = 0;
        Choice choice = Choice.AUTO;
        List<String> refused = new ArrayList<>();
        try {
            configured = settings.integer(CoreSettings.IO_THREADS, 0, 0, 1024);
        } catch (InvalidSettingException e) {
            LOG.error("{}; using one thread per core", e.getMessage());
            refused.add(e.getMessage() + "; running one I/O thread per core (" + Runtime.getRuntime().availableProcessors()
                    + ") until it is fixed and the server restarted");
        }
        try {
            choice = settings.choice(CoreSettings.IO_TRANSPORT, Choice.AUTO);
        } catch (InvalidSettingException e) {
            LOG.error("{}; using auto", e.getMessage());
            refused.add(e.getMessage() + "; running with io-transport = auto until it is fixed and the server restarted");
        }
        threads = configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
        warnUnknownKeys(properties);
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("gatehouse-io", false);
        asked = choice;
        group = null;
        nativeTransport = null;
        List<String> unavailable = new ArrayList<>();
        for (Transport t : candidates(choice)) {
            String why = unavailabilityReason(t);
            if (!why.isEmpty()) {
                unavailable.add(t.name().toLowerCase(Locale.ROOT) + " unavailable: " + why);
                continue;
            }
            group = newGroup(t == Transport.IO_URING ? new IoUringTransport() : new EpollTransport(), t, threadFactory, unavailable);
            if (group != null) {
                break;
            }
        }
        if (group == null) {
            transport = Transport.NIO;
            group = new IoLoopGroup(threads, threadFactory, NioIoHandler.newFactory());
        }
        String notes = choice == Choice.NIO ? "io-transport = nio" : String.join("; ", unavailable);
        // Empty while a native transport runs (its API contract: TURN offers DONT-FRAGMENT then); the
        // start line below still says why io_uring was passed over for epoll.
        nativeUnavailableReason = transport == Transport.NIO ? notes : "";
        if ((choice == Choice.IO_URING || choice == Choice.EPOLL) && !choice.name().equals(transport.name())) {
            String wanted = choice.name().toLowerCase(Locale.ROOT);
            LOG.error("{}: {} = {}, but it does not load ({}); using {}", settings.source(), CoreSettings.IO_TRANSPORT, wanted,
                    notes, transport.name().toLowerCase(Locale.ROOT));
            nativeMissing = settings.source() + ": " + CoreSettings.IO_TRANSPORT + " = " + wanted + ", but it does not load ("
                    + notes + "); running on " + transport.name().toLowerCase(Locale.ROOT);
        }
        LOG.info("I/O: {} {} event loop{}{}", threads, transport.name().toLowerCase(Locale.ROOT), threads == 1 ? "" : "s",
                notes.isEmpty() ? "" : " (" + notes + ")");
        stateProblems(refused);
    }

    /**
     * The loops of a native transport, or null (and why, in {@code unavailable}) when they cannot be
     * made: the availability check opens one small ring, the loops one ring each, which a locked-memory
     * limit or a kernel short of memory may refuse.
     */
    private EventLoopGroup newGroup(NativeTransport t, Transport kind, DefaultThreadFactory threadFactory, List<String> unavailable) {
        try {
            EventLoopGroup g = t.newGroup(threads, threadFactory);
            nativeTransport = t;
            transport = kind;
            return g;
        } catch (RuntimeException | LinkageError e) {
            unavailable.add(kind.name().toLowerCase(Locale.ROOT) + " unavailable: " + e);
            return null;
        }
    }

    /** The native transports {@code choice} tries, in order; NIO runs when none of them does. */
    private static List<Transport> candidates(Choice choice) {
        switch (choice) {
            case AUTO:
            case IO_URING:
                return List.of(Transport.IO_URING, Transport.EPOLL);
            case EPOLL:
                return List.of(Transport.EPOLL);
            default:
                return List.of();
        }
    }

    private static String unavailabilityReason(Transport t) {
        try {
            return t == Transport.IO_URING ? IoUringTransport.unavailabilityReason() : EpollTransport.unavailabilityReason();
        } catch (LinkageError e) {
            // The transport's own class could not be linked against a missing Netty package.
            return t.name().toLowerCase(Locale.ROOT) + " classes not installed (" + e + ")";
        }
    }

    /** The transport {@code choice} would run on at a start now. */
    private static Transport wouldRun(Choice choice) {
        for (Transport t : candidates(choice)) {
            if (unavailabilityReason(t).isEmpty()) {
                return t;
            }
        }
        return Transport.NIO;
    }

    private void stateProblems(List<String> refused) {
        List<String> lines = new ArrayList<>(refused);
        if (nativeMissing != null) {
            lines.add(nativeMissing);
        }
        problems.set(lines);
    }

    /** For tests: the Problems in force. */
    List<String> problems() {
        return problems.lines();
    }

    @Modified
    void modified(Map<String, Object> properties) {
        Settings settings = Settings.of(CoreSettings.PID, properties);
        try {
            int configured = settings.integer(CoreSettings.IO_THREADS, 0, 0, 1024);
            int wanted = configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
            Choice choice = settings.choice(CoreSettings.IO_TRANSPORT, Choice.AUTO);
            boolean transportChanges = wouldRun(choice) != transport;
            if (wanted != threads || transportChanges) {
                LOG.warn("{}: {} = {}, {} = {} take effect at the next restart; open connections keep their threads",
                        settings.source(), CoreSettings.IO_THREADS, configured, CoreSettings.IO_TRANSPORT,
                        choice.name().toLowerCase(Locale.ROOT));
            }
            if (choice != asked) {
                nativeMissing = null; // no longer asked for
            }
            stateProblems(List.of());
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping {} {} event loops", e.getMessage(), threads, transport.name().toLowerCase(Locale.ROOT));
            stateProblems(List.of(e.getMessage() + "; keeping " + threads + " " + transport.name().toLowerCase(Locale.ROOT)
                    + " event loops, and the next start would refuse it too: fix it first"));
        }
        warnUnknownKeys(properties);
    }

    /**
     * A misspelt key is otherwise ignored without a word, its default in force. Said here for the whole
     * file, whose management-networks ManagementNetworksComponent reads.
     */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, CoreSettings.PID, p, () -> {
            Settings s = Settings.of(CoreSettings.PID, p);
            s.integer(CoreSettings.IO_THREADS, 0, 0, 1024);
            s.choice(CoreSettings.IO_TRANSPORT, Choice.AUTO);
        }, () -> Settings.of(CoreSettings.PID, p).addresses(CoreSettings.MANAGEMENT_NETWORKS, ManagementNetworksComponent.DEFAULT));
    }

    @Deactivate
    void deactivate() {
        problems.clear();
        // Listeners in other bundles close their channels before this service goes away; anything left
        // gets two seconds to flush.
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Override
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public Object datagram(io.netty.buffer.ByteBuf content, java.net.InetSocketAddress recipient) {
        return transport == Transport.IO_URING ? AddressedDatagram.of(content, recipient) : EventLoops.super.datagram(content, recipient);
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public String nativeUnavailableReason() {
        return nativeUnavailableReason;
    }

    @Override
    public boolean reusePortSupported() {
        return nativeTransport != null;
    }

    @Override
    public ChannelFactory<? extends DatagramChannel> datagramChannelFactory(InternetProtocolFamily family) {
        if (nativeTransport != null) {
            return nativeTransport.datagramChannelFactory(family);
        }
        return () -> new NioDatagramChannel(family);
    }

    private ChannelFactory<? extends DatagramChannel> exclusiveDatagramChannelFactory(InternetProtocolFamily family) {
        if (nativeTransport != null) {
            return nativeTransport.exclusiveDatagramChannelFactory(family);
        }
        return () -> new NioDatagramChannel(family);
    }

    @Override
    public Bootstrap datagramBootstrap(InternetProtocolFamily family) {
        // A deep receive queue rides out a GC pause or a burst without the kernel dropping datagrams
        // (the kernel caps it at net.core.rmem_max).
        Bootstrap b = new Bootstrap().group(group).channelFactory(datagramChannelFactory(family))
                .option(ChannelOption.SO_RCVBUF, UDP_RECEIVE_BUFFER);
        if (nativeTransport != null) {
            nativeTransport.configureDatagram(b, MAX_DATAGRAM_SIZE);
        } else {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_SIZE));
        }
        return b;
    }

    @Override
    public Bootstrap exclusiveDatagramBootstrap(InternetProtocolFamily family) {
        // One datagram per read pass: with 16 per pass the saturated TURN round (bench/turn-relay.sh)
        // relayed 0.67x to 0.73x coturn's packets/s at 11 to 12 us CPU per packet, against 0.98x and
        // 8.9 us with one; level-triggered with one per pass, 0.09x.
        return new Bootstrap().group(group).channelFactory(exclusiveDatagramChannelFactory(family))
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_SIZE));
    }

    @Override
    public ServerBootstrap serverBootstrap() {
        return new ServerBootstrap().group(group, group).channel(serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return nativeTransport != null ? nativeTransport.serverChannelClass() : NioServerSocketChannel.class;
    }

    @Override
    public Class<? extends SocketChannel> socketChannelClass() {
        return nativeTransport != null ? nativeTransport.socketChannelClass() : NioSocketChannel.class;
    }

    @Override
    public Bootstrap keepAlive(Bootstrap b, int idleSeconds, int intervalSeconds, int count) {
        b.option(ChannelOption.SO_KEEPALIVE, true);
        if (nativeTransport != null) {
            nativeTransport.keepAlive(b, idleSeconds, intervalSeconds, count);
        }
        return b;
    }
}
