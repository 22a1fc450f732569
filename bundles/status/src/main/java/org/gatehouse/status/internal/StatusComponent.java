package org.gatehouse.status.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.gatehouse.core.net.ListenerRetry;
import org.gatehouse.status.MetricsSource;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management listener: plain HTTP on the shared event loops, open only to the management
 * networks, serving the Prometheus metrics and the status page. Follows {@code listen} in
 * {@code etc/org.gatehouse.status.cfg}: addresses that stay are not touched, a removed one closes
 * before a new one binds, a bad value is refused and the listeners in force keep serving. A network
 * taken off {@code management-networks} loses its open connections (kept-alive scrapers, a browser's
 * page) as the change applies, not only its next ones.
 */
@Component(name = "org.gatehouse.status", configurationPid = StatusSettings.PID, immediate = true, service = {})
@Designate(ocd = StatusConfiguration.class)
public final class StatusComponent {

    private static final Logger LOG = LoggerFactory.getLogger(StatusComponent.class);

    /** Largest request accepted: a GET needs no body, and a header block this size is already generous. */
    static final int MAX_REQUEST_LINE = 4096;
    static final int MAX_HEADERS = 8192;
    static final int MAX_BODY = 1024;
    static final int READ_TIMEOUT_SECONDS = 60;

    @Reference
    EventLoops loops;

    /** Asked for every accepted connection, on its I/O thread; the service applies list changes in place. */
    @Reference
    volatile ManagementNetworks managementNetworks;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<MetricsSource> sources = new CopyOnWriteArrayList<>();
    private final List<PageSection> sections = new CopyOnWriteArrayList<>();
    private final Map<String, Bound> bound = new LinkedHashMap<>();
    /** 0.0.0.0:P with [::]:P: one dual-stack socket, over every move of these listeners. */
    private final ListenerMove.DualStack dualStack = new ListenerMove.DualStack();
    private final ChannelGroup connections = new DefaultChannelGroup("gatehouse-status", GlobalEventExecutor.INSTANCE);
    private final RefusalLog refusals = new RefusalLog(LOG);
    private final AtomicLong sourceFailures = new AtomicLong();
    private final LogGate<String> failureLines = new LogGate<>(60, 1000);
    private volatile StatusSettings settings;
    /** Listeners asked for that are not open. */
    private ProblemSlot problem = new ProblemSlot(null);
    /** The file refused (at start: the built-in listen in force; live: the listeners as they were). */
    private ProblemSlot refused = new ProblemSlot(null);
    private volatile String version = "";
    /** Between tries of listeners that could not be opened; shorter in tests. */
    long retryMillis = ListenerRetry.INTERVAL_SECONDS * 1000L;
    private ListenerRetry retry;
    private BundleContext context;
    /** Stops listening for changes of the management networks. */
    private Runnable stopWatchingNetworks = () -> { };

    private record Bound(Channel channel, InetSocketAddress address, ServiceRegistration<Listener> registration) implements Listener {
        @Override
        public String name() {
            return "status";
        }

        @Override
        public String protocol() {
            return "tcp";
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindListener(Listener l) {
        listeners.add(l);
    }

    void unbindListener(Listener l) {
        listeners.remove(l);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindSource(MetricsSource s) {
        sources.add(s);
    }

    void unbindSource(MetricsSource s) {
        sources.remove(s);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindSection(PageSection s) {
        sections.add(s);
    }

    void unbindSection(PageSection s) {
        sections.remove(s);
    }

    @Activate
    synchronized void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        retry = new ListenerRetry("gatehouse-status-listen-retry", this, retryMillis);
        problem = new ProblemSlot(context);
        refused = new ProblemSlot(context);
        if (context != null) {
            version = context.getBundle().getVersion().toString();
        }
        stopWatchingNetworks = ManagementNetworks.whenChanged(context, this::closeConnectionsOutsideManagementNetworks);
        StatusSettings s;
        try {
            s = StatusSettings.read(properties);
        } catch (InvalidSettingException e) {
            LOG.error("{}; using the built-in default listen = {}", e.getMessage(), StatusSettings.DEFAULT_LISTEN);
            refused.refused(e.getMessage(), "using the built-in default listen = " + StatusSettings.DEFAULT_LISTEN);
            try {
                s = StatusSettings.read(Map.of());
            } catch (InvalidSettingException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        apply(s);
        warnUnknownKeys(properties);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        try {
            apply(StatusSettings.read(properties));
        } catch (InvalidSettingException e) {
            LOG.error("{}; the status listener stays on {}", e.getMessage(), describeBound());
            refused.refused(e.getMessage(), "the status listener stays on " + describeBound());
            return;
        }
        refused.clear();
        warnUnknownKeys(properties);
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, StatusSettings.PID, p, () -> StatusSettings.read(p));
    }

    @Deactivate
    synchronized void deactivate() {
        stopWatchingNetworks.run();
        retry.close();
        problem.clear();
        refused.clear();
        bound.values().forEach(this::close);
        bound.clear();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private String describeBound() {
        if (bound.isEmpty()) {
            return "nothing (off)";
        }
        List<String> out = new ArrayList<>();
        bound.values().forEach(b -> out.add(IpAddresses.format(b.address())));
        return String.join(", ", out);
    }

    private void apply(StatusSettings s) {
        settings = s;
        if (!listen(s, false)) {
            // Tried again with these settings until it opens or another configuration applies.
            retry.retry(() -> settings == s && listen(s, true));
        } else {
            retry.stop();
        }
    }

    /**
     * Opens and closes listeners for {@code s}; {@code again}: a retry of those {@code s} asks for that
     * could not be opened, which logs nothing while they still cannot. Returns whether all are open.
     */
    private boolean listen(StatusSettings s, boolean again) {
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        s.listen().forEach(a -> wanted.put("status " + IpAddresses.format(a), a));
        Set<String> merged = dualStack.merge(wanted, bound.keySet());
        List<String> opened = new ArrayList<>();
        ListenerMove.Sockets sockets = dualStack.sockets(new ListenerMove.Sockets() {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                Bound b = bind(address);
                bound.put(key, b);
                opened.add(key);
                LOG.info("Status: metrics and status page on http://{}/{}{}", IpAddresses.format(b.address()),
                        ListenerMove.DualStack.note(merged, key),
                        again ? ", which could not be opened before (tried again every " + ListenerRetry.INTERVAL_SECONDS + " s)" : "");
            }

            @Override
            public void close(String key) {
                Bound b = bound.remove(key);
                StatusComponent.this.close(b);
                LOG.info("Status: stopped listening on {}", IpAddresses.format(b.address()));
            }
        }, merged, (key, line) -> LOG.info("Status: {}", line));
        // No gap, and no working listener given up for one that cannot be had (ListenerMove); a retry
        // only opens what is missing.
        ListenerMove.Result r = again ? ListenerMove.retry(ListenerMove.addresses(bound), wanted, sockets)
                : ListenerMove.apply(ListenerMove.addresses(bound), wanted, sockets);
        if (again && opened.isEmpty()) {
            // Failed again: logged and listed under Problems when the configuration applied.
            return false;
        }
        if (!again) {
            r.kept().forEach(k -> LOG.info("Status: kept {} (its replacement could not be opened)", IpAddresses.format(bound.get(k).address())));
            String after = bound.isEmpty() ? "no status listener is open" : "the other status listeners keep serving";
            r.failed().forEach(f -> LOG.error("{}: {}: cannot open {}: {}; {}", s.source(), StatusSettings.LISTEN,
                    IpAddresses.format(f.address()), f.reason(), after));
        }
        // Logged once, the failure would soon be out of sight while gatehouse:status says "All well."; a
        // Problem service keeps it under Problems until the listener opens (tried again every 10 s) or
        // leaves listen.
        if (r.failed().isEmpty()) {
            problem.clear();
        } else {
            problem.set(s.source() + ": " + StatusSettings.LISTEN + ": cannot open " + r.describeFailed() + "; "
                    + (bound.isEmpty() ? "no status listener is open, so metrics and the status page are not served"
                            : "metrics and the status page are served on " + describeBound() + " only"));
        }
        return r.failed().isEmpty();
    }

    private Bound bind(InetSocketAddress address) throws InterruptedException {
        ChannelFuture f = loops.serverBootstrap().childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
                if (remote == null || !managementNetworks.permits(remote.getAddress())) {
                    refusals.refused(remote);
                    ch.close();
                    return;
                }
                connections.add(ch);
                ch.pipeline().addLast("timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS));
                ch.pipeline().addLast("http", new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADERS, MAX_BODY));
                ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
                ch.pipeline().addLast("status", new StatusHandler(StatusComponent.this::metricsText, StatusComponent.this::pageHtml,
                        host -> settings.hostAllowed(host)));
            }
        }).bind(address);
        f.await();
        if (!f.isSuccess()) {
            f.channel().close();
            throw new IllegalStateException(f.cause());
        }
        InetSocketAddress actual = (InetSocketAddress) f.channel().localAddress();
        ServiceRegistration<Listener> reg = null;
        if (context != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("protocol", "tcp");
            props.put("address", IpAddresses.format(actual));
            reg = context.registerService(Listener.class, new Bound(f.channel(), actual, null), props);
        }
        return new Bound(f.channel(), actual, reg);
    }

    /** Closes {@code b} and the connections it accepted: an address no longer listed serves no one. */
    private void close(Bound b) {
        if (b.registration() != null) {
            try {
                b.registration().unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        // Waited for: a listener moved to another address may reuse the port at once.
        b.channel().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Channel c : connections) {
            if (c.parent() == b.channel()) {
                c.close();
            }
        }
    }

    /**
     * Closes the open connections whose client the management networks no longer list; one log line
     * per client address, with how many of its connections closed.
     */
    void closeConnectionsOutsideManagementNetworks() {
        ManagementNetworks networks = managementNetworks;
        Map<String, Integer> closed = new LinkedHashMap<>();
        for (Channel c : connections) {
            InetAddress client = c.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
            if (!c.isActive() || client != null && networks.permits(client)) {
                continue;
            }
            c.close();
            closed.merge(client == null ? String.valueOf(c.remoteAddress()) : IpAddresses.format(client), 1, Integer::sum);
        }
        closed.forEach((who, n) -> LOG.warn("Status: closed {} from {}: no longer in management-networks {} (etc/org.gatehouse.core.cfg)",
                n == 1 ? "the connection" : n + " connections", who, networks.networks()));
    }

    /**
     * One scrape: the process's own figures, then every source; a failing source is skipped, a refused
     * sample (a duplicate, say) left out, each counted.
     */
    String metricsText() {
        MetricFamilies m = new MetricFamilies();
        collect(m, "the process's own figures", () -> ProcessMetrics.collect(m, loops, listeners));
        for (MetricsSource s : sources) {
            collect(m, s.getClass().getName(), () -> s.collect(m));
        }
        m.counter("gatehouse_status_source_failures_total", "Metrics sources that failed during a scrape (see the log).",
                sourceFailures.get());
        return m.text();
    }

    private void collect(MetricFamilies m, String source, Runnable collect) {
        int refusedBefore = m.refused();
        m.nextSource();
        String why;
        try {
            collect.run();
            why = m.refused() == refusedBefore ? null : (m.refused() - refusedBefore) + " sample(s) refused, the first: " + m.sourceFirstRefusal();
        } catch (RuntimeException | LinkageError e) {
            why = e.toString();
        }
        if (why == null) {
            return;
        }
        sourceFailures.incrementAndGet();
        // A line a minute per source: one failing at every scrape does not hide another.
        long failures = failureLines.due(source);
        if (failures > 0) {
            LOG.warn("Status: metrics source {} failed: {}{}", source, why, failures > 1 ? " (" + failures + " scrapes since the last line)" : "");
        }
    }

    /** The status page: the problems reported, the process, its listeners, then each installed feature's block. */
    String pageHtml() {
        StatusSettings s = settings;
        Html page = new Html("Gatehouse " + version, s == null ? 0 : s.pageRefreshSeconds());
        List<PageSection> sorted = new ArrayList<>(sections);
        sorted.sort(Comparator.comparingInt(PageSection::order));
        sorted.stream().filter(section -> section.order() < 0).forEach(section -> render(page, section));
        try {
            ProcessMetrics.render(page, loops, managementNetworks, listeners);
        } catch (RuntimeException | LinkageError e) {
            page.problem("Unavailable: " + e);
        }
        sorted.stream().filter(section -> section.order() >= 0).forEach(section -> render(page, section));
        return page.end();
    }

    private static void render(Html page, PageSection section) {
        try {
            section.render(page);
        } catch (RuntimeException | LinkageError e) {
            page.problem("Unavailable: " + e);
        }
    }

    /** For tests: the listeners not open, as shown in gatehouse:status, or null. */
    synchronized String problem() {
        return problem.text();
    }

    /** For tests: the file refused, as shown in gatehouse:status, or null. */
    synchronized String refusal() {
        return refused.text();
    }

    /** For tests: what is bound. */
    synchronized List<Listener> bound() {
        return new ArrayList<>(bound.values());
    }
}
