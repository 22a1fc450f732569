package org.gatehouse.tls.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.gatehouse.core.net.ListenerRetry;
import org.gatehouse.tls.FrontStatistics;
import org.gatehouse.tls.ServerCertificates;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.HttpRoute;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The HTTPS front door and the HTTP listener that redirects to it, with the {@link HttpRoute} and
 * {@link HttpFilter} whiteboard. Listeners follow {@code https-listen} and {@code http-listen} in
 * {@code etc/org.gatehouse.tls.cfg}: addresses that stay are not touched; routes and filters come and
 * go without any connection closing.
 */
@Component(name = "org.gatehouse.tls.front", configurationPid = TlsSettings.PID, immediate = true, service = {})
public final class HttpFrontComponent {

    @Reference
    EventLoops loops;

    @Reference
    ServerCertificates certificates;

    private final Map<HttpRoute, List<Front.Mount>> routes = new LinkedHashMap<>();
    private final Map<HttpFilter, Front.Ranked> filters = new LinkedHashMap<>();
    private final Map<HttpFilter, Map<String, Object>> filterProperties = new LinkedHashMap<>();
    /** In place of filters that went away while guarding ({@link HttpFilter#GUARDED_PATHS}). */
    private final HeldGuards held = new HeldGuards(InstallationPaths.data().resolve("tls").resolve("held-guards"));
    /** Between activate and deactivate. */
    private boolean serving;
    private BundleListener bundles;
    private final Map<String, Bound> bound = new LinkedHashMap<>();
    /** 0.0.0.0:P with [::]:P: one dual-stack socket, over every move of these listeners. */
    private final ListenerMove.DualStack dualStack = new ListenerMove.DualStack();
    private final ChannelGroup connections = new DefaultChannelGroup("gatehouse-http", GlobalEventExecutor.INSTANCE);
    private volatile Front front;
    private BundleContext context;
    /** Listeners the configuration asks for that are not open, for gatehouse:status. */
    private ProblemSlot problem = new ProblemSlot(null);
    /** etc/org.gatehouse.tls.cfg refused (its TLS or its HTTPS part), for gatehouse:status. */
    private ProblemSlot refused = new ProblemSlot(null);
    private AccessLog accessLog;
    /** Between tries of listeners that could not be opened; shorter in tests. */
    long retryMillis = ListenerRetry.INTERVAL_SECONDS * 1000L;
    private ListenerRetry retry;
    private final ResponseCounter httpsResponses = new ResponseCounter();
    private final ResponseCounter redirectResponses = new ResponseCounter();
    private final FrontStatistics statistics = new FrontStatistics() {
        @Override
        public int openConnections() {
            return connections.size();
        }

        @Override
        public SortedMap<Integer, Long> responses(String listener) {
            return (HTTPS.equals(listener) ? httpsResponses : redirectResponses).counts();
        }
    };
    private ServiceRegistration<FrontStatistics> statisticsRegistration;

    private record Bound(Channel channel, String protocol, InetSocketAddress address, ServiceRegistration<Listener> registration)
            implements Listener {
        @Override
        public String name() {
            return protocol.equals("tls") ? "https" : "http-redirect";
        }

        @Override
        public String protocol() {
            return protocol;
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindRoute(HttpRoute route, Map<String, Object> properties) {
        List<Front.Mount> mounts = new ArrayList<>();
        Object prefixes = properties.get(HttpRoute.PREFIX);
        Object maxBody = properties.get(HttpRoute.MAX_BODY);
        List<String> list = prefixes instanceof String[] ? List.of((String[]) prefixes)
                : prefixes == null ? List.of() : List.of(String.valueOf(prefixes));
        for (String p : list) {
            if (p.startsWith("/")) {
                long limit = maxBody instanceof Number ? ((Number) maxBody).longValue() : -1;
                Object ranking = properties.get(org.osgi.framework.Constants.SERVICE_RANKING);
                mounts.add(new Front.Mount(p, route, limit, ranking instanceof Integer ? (Integer) ranking : 0));
            } else {
                TlsComponentLog.LOG.warn("TLS: route {} has prefix \"{}\", which does not start with /; ignored", route.getClass().getName(), p);
            }
        }
        routes.put(route, mounts);
        rebuild();
    }

    /** A route's prefixes or limits changed (a pool's routes, the content mount): in force for the next request. */
    synchronized void updatedRoute(HttpRoute route, Map<String, Object> properties) {
        bindRoute(route, properties);
    }

    synchronized void unbindRoute(HttpRoute route) {
        routes.remove(route);
        rebuild();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, updated = "updatedFilter")
    synchronized void bindFilter(HttpFilter filter, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        filters.put(filter, new Front.Ranked(filter, ranking instanceof Integer ? (Integer) ranking : 0,
                id instanceof Long ? (Long) id : 0L));
        filterProperties.put(filter, Map.copyOf(properties));
        Object name = properties.get(HttpFilter.NAME);
        if (name != null) {
            held.back(String.valueOf(name));
        }
        rebuild();
    }

    /** A filter's properties changed (the paths it guards): kept for the moment it goes. */
    synchronized void updatedFilter(HttpFilter filter, Map<String, Object> properties) {
        bindFilter(filter, properties);
    }

    synchronized void unbindFilter(HttpFilter filter) {
        filters.remove(filter);
        Map<String, Object> properties = filterProperties.remove(filter);
        List<String> guarded = properties == null ? List.of() : strings(properties.get(HttpFilter.GUARDED_PATHS));
        Object name = properties == null ? null : properties.get(HttpFilter.NAME);
        if (!guarded.isEmpty() && name != null && serving && !stoppedOnPurpose(properties)) {
            // Gone while still guarding, its bundle not stopped on purpose (updated, refreshed, failing
            // to start again): its paths are answered 503 until it is back, never served without the
            // credentials they were meant to need.
            Object ranking = properties.get(Constants.SERVICE_RANKING);
            long bundleId = bundleId(properties);
            held.hold(String.valueOf(name), guarded, ranking instanceof Integer ? (Integer) ranking : 0, bundleId, symbolicName(bundleId));
        }
        rebuild();
    }

    private static long bundleId(Map<String, Object> properties) {
        Object id = properties.get(Constants.SERVICE_BUNDLEID);
        return id instanceof Long ? (Long) id : -1;
    }

    /**
     * Whether the bundle of a filter that went away was stopped on purpose ({@code stop} in the shell:
     * no longer persistently started; uninstalled): its guard ends with it, as the operator asked. An
     * update or a refresh stops it for a moment only, keeping it persistently started.
     */
    private boolean stoppedOnPurpose(Map<String, Object> properties) {
        long id = bundleId(properties);
        if (context == null || id < 0) {
            return false;
        }
        Bundle system = context.getBundle(0);
        if (system != null && system.getState() == Bundle.STOPPING) {
            // The server stops: every bundle goes (transiently); nothing is served after.
            return true;
        }
        return !stillMeantToRun(id);
    }

    /** A bundle uninstalled: the guards held for its filters end (it is not coming back). */
    private synchronized void uninstalled(long bundleId) {
        if (held.uninstalled(bundleId)) {
            rebuild();
        }
    }

    private static List<String> strings(Object value) {
        return value instanceof String[] ? List.of((String[]) value) : value == null ? List.of() : List.of(String.valueOf(value));
    }

    /** For a guard held before: the id of its filter's bundle when that is there and meant to run, -1 outside OSGi, else none. */
    private long heldBundle(String symbolicName) {
        if (context == null) {
            return -1;
        }
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return stillMeantToRun(b.getBundleId()) ? b.getBundleId() : Long.MIN_VALUE;
            }
        }
        return Long.MIN_VALUE;
    }

    private String symbolicName(long bundleId) {
        Bundle b = context == null || bundleId < 0 ? null : context.getBundle(bundleId);
        return b == null || b.getSymbolicName() == null ? "-" : b.getSymbolicName();
    }

    private boolean stillMeantToRun(long bundleId) {
        Bundle b = context.getBundle(bundleId);
        if (b == null || b.getState() == Bundle.UNINSTALLED) {
            return false;
        }
        BundleStartLevel level = b.adapt(BundleStartLevel.class);
        return level == null || level.isPersistentlyStarted();
    }

    private void rebuild() {
        Front f = front;
        if (f == null) {
            return;
        }
        front = withWhiteboard(f.settings());
    }

    private Front withWhiteboard(FrontSettings settings) {
        List<Front.Mount> all = new ArrayList<>();
        for (List<Front.Mount> mounts : routes.values()) {
            for (Front.Mount m : mounts) {
                all.add(m.maxBody() < 0 ? new Front.Mount(m.prefix(), m.route(), settings.limits().body(), m.ranking()) : m);
            }
        }
        List<Front.Ranked> ranked = new ArrayList<>(filters.values());
        ranked.addAll(held.ranked());
        return new Front(settings, Front.sortRoutes(all), Front.sortFilters(ranked), accessLog);
    }

    @Activate
    synchronized void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        retry = new ListenerRetry("gatehouse-https-listen-retry", this, retryMillis);
        problem = new ProblemSlot(context);
        refused = new ProblemSlot(context);
        held.restore(new ProblemSlot(context),
                name -> filterProperties.values().stream().anyMatch(p -> name.equals(String.valueOf(p.get(HttpFilter.NAME)))),
                this::heldBundle);
        serving = true;
        if (context != null) {
            bundles = event -> {
                if (event.getType() == BundleEvent.UNINSTALLED) {
                    uninstalled(event.getBundle().getBundleId());
                }
            };
            context.addBundleListener(bundles);
        }
        try {
            TlsSettings.read(properties);
        } catch (InvalidSettingException e) {
            // TlsComponent logs it and runs on the built-in TLS settings.
            refused.refused(e.getMessage(), "using the built-in TLS defaults");
        }
        if (context != null) {
            statisticsRegistration = context.registerService(FrontStatistics.class, statistics, null);
        }
        FrontSettings s;
        try {
            s = FrontSettings.read(properties, fqdn(properties));
        } catch (InvalidSettingException e) {
            TlsComponentLog.LOG.error("{}; using the built-in HTTPS defaults", e.getMessage());
            refused.refused(e.getMessage(), "using the built-in HTTPS defaults");
            try {
                s = FrontSettings.read(Map.of(), fqdn(Map.of()));
            } catch (InvalidSettingException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        apply(s);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        TlsSettings tlsPart;
        try {
            tlsPart = TlsSettings.read(properties);
        } catch (InvalidSettingException e) {
            // The file is shared with the certificate settings: refused whole, TlsComponent logs why.
            refused.refused(e.getMessage(), "keeping the TLS settings and certificate in force");
            return;
        }
        try {
            apply(FrontSettings.read(properties, tlsPart.fqdn()));
        } catch (InvalidSettingException e) {
            TlsComponentLog.LOG.error("{}; keeping the HTTPS settings in force", e.getMessage());
            refused.refused(e.getMessage(), "keeping the HTTPS settings in force");
            return;
        }
        refused.clear();
    }

    private static String fqdn(Map<String, ?> properties) {
        try {
            return TlsSettings.read(properties).fqdn();
        } catch (InvalidSettingException e) {
            return TlsSettings.localHostname();
        }
    }

    private void apply(FrontSettings s) {
        if (accessLog == null || !java.util.Objects.equals(accessLog.file(), s.accessLog())) {
            AccessLog old = accessLog;
            accessLog = s.accessLog() == null ? null : new AccessLog(s.accessLog());
            if (old != null) {
                old.close();
            }
        }
        front = withWhiteboard(s);
        if (!listen(s, false)) {
            // Tried again with these settings until it opens or another configuration applies.
            retry.retry(() -> front.settings() == s && listen(s, true));
        } else {
            retry.stop();
        }
    }

    /**
     * Opens and closes listeners for {@code s}; {@code again}: a retry of those {@code s} asks for that
     * could not be opened, which logs nothing while they still cannot. Returns whether all are open.
     */
    private boolean listen(FrontSettings s, boolean again) {
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        s.https().forEach(a -> wanted.put("tls " + IpAddresses.format(a), a));
        s.http().forEach(a -> wanted.put("tcp " + IpAddresses.format(a), a));
        Set<String> merged = dualStack.merge(wanted, bound.keySet());
        List<String> opened = new ArrayList<>();
        ListenerMove.Sockets sockets = dualStack.sockets(new ListenerMove.Sockets() {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                Bound b = bind(key.substring(0, 3), address);
                bound.put(key, b);
                opened.add(key);
                TlsComponentLog.LOG.info("TLS: {} listening on {}{}{}", b.name(), IpAddresses.format(b.address()),
                        ListenerMove.DualStack.note(merged, key),
                        again ? ", which could not be opened before (tried again every " + ListenerRetry.INTERVAL_SECONDS + " s)" : "");
            }

            @Override
            public void close(String key) {
                Bound b = bound.remove(key);
                HttpFrontComponent.close(b);
                TlsComponentLog.LOG.info("TLS: stopped listening on {} {}", b.name(), IpAddresses.format(b.address()));
            }
        }, merged, (key, line) -> TlsComponentLog.LOG.info("TLS: {}", line));
        // No gap, and no working listener given up for one that cannot be had (ListenerMove); a retry
        // only opens what is missing.
        ListenerMove.Result r = again ? ListenerMove.retry(ListenerMove.addresses(bound), wanted, sockets)
                : ListenerMove.apply(ListenerMove.addresses(bound), wanted, sockets);
        if (again && opened.isEmpty()) {
            // Failed again: logged and listed under Problems when the configuration applied.
            return false;
        }
        if (!again) {
            r.kept().forEach(k -> TlsComponentLog.LOG.info("TLS: kept {} {} (its replacement could not be opened)", bound.get(k).name(),
                    IpAddresses.format(bound.get(k).address())));
            r.failed().forEach(f -> TlsComponentLog.LOG.error("{}: {}: cannot open {}: {}; the other listeners keep serving", s.source(),
                    f.key().startsWith("tls") ? "https-listen" : "http-listen", IpAddresses.format(f.address()), f.reason()));
        }
        // Logged once, a listener that could not be had would soon be out of sight while gatehouse:status
        // says "All well."; it stays under Problems until it opens (tried again every 10 s) or is no
        // longer asked for.
        problem.set(notServed(s, r));
        return r.failed().isEmpty();
    }

    /** For tests: the file refused, as listed under Problems (empty when the file in force is the one on disk). */
    List<String> refused() {
        return refused.lines();
    }

    /** For tests and status: the listeners asked for and not open, or null. */
    String problem() {
        return problem.text();
    }

    /** What the configuration asks for and is not served, in one line; null when every listener is open. */
    static String notServed(FrontSettings s, ListenerMove.Result r) {
        if (r.failed().isEmpty()) {
            return null;
        }
        String text = s.source() + ": cannot open " + r.describeFailed(f -> f.key().startsWith("tls") ? "https-listen " : "http-listen ");
        if (!r.kept().isEmpty()) {
            List<String> kept = new ArrayList<>();
            r.kept().forEach(k -> kept.add(k.replaceFirst("^tls ", "https ").replaceFirst("^tcp ", "http ")));
            text += "; still listening on " + String.join(", ", kept) + " instead";
        }
        return text;
    }

    private Bound bind(String protocol, InetSocketAddress address) throws InterruptedException {
        boolean secure = protocol.equals("tls");
        ChannelFuture f = loops.serverBootstrap().childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                FrontHandler handler = new FrontHandler(() -> front, secure, !secure);
                ch.pipeline().addLast("send-timeout", new SendTimeout(() -> front.settings().sendTimeoutSeconds()));
                if (secure) {
                    // Asked per connection: a replaced certificate serves the next handshake.
                    ch.pipeline().addLast("tls", certificates.serverContext(List.of("http/1.1")).newHandler(ch.alloc()));
                }
                ch.pipeline().addLast("request", new RequestReader(front.settings().limits(), handler));
                ch.pipeline().addLast("response", new ResponseEncoder());
                ch.pipeline().addLast("statistics", secure ? httpsResponses : redirectResponses);
                ch.pipeline().addLast("front", handler);
            }
        }).bind(address);
        f.await();
        if (!f.isSuccess()) {
            f.channel().close();
            throw new IllegalStateException(f.cause());
        }
        InetSocketAddress actual = (InetSocketAddress) f.channel().localAddress();
        ServiceRegistration<Listener> reg = null;
        Bound b = new Bound(f.channel(), protocol, actual, null);
        if (context != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("protocol", protocol);
            props.put("address", IpAddresses.format(actual));
            reg = context.registerService(Listener.class, b, props);
        }
        return new Bound(f.channel(), protocol, actual, reg);
    }

    private static void close(Bound b) {
        if (b.registration() != null) {
            try {
                b.registration().unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        // Waited for: a listener moved to another address may reuse the port at once.
        b.channel().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Deactivate
    synchronized void deactivate() {
        retry.close();
        problem.clear();
        refused.clear();
        held.stop();
        if (statisticsRegistration != null) {
            try {
                statisticsRegistration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        bound.values().forEach(HttpFrontComponent::close);
        bound.clear();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (accessLog != null) {
            accessLog.close();
        }
        // Nothing is served any more: filters unbound after this hold nothing.
        serving = false;
        if (bundles != null) {
            try {
                context.removeBundleListener(bundles);
            } catch (IllegalStateException e) {
                // the bundle is stopping
            }
            bundles = null;
        }
    }

    /** For tests and the service: the front door's counters. */
    FrontStatistics statistics() {
        return statistics;
    }

    /** For tests: the held guards' lines in gatehouse:status. */
    synchronized List<String> heldGuards() {
        return held.lines();
    }

    /** For tests: what is bound. */
    synchronized List<Listener> listeners() {
        return new ArrayList<>(bound.values());
    }
}
