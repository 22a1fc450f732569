package org.gatehouse.balancer.internal;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.core.Background;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.CfgFile;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One pool, from one {@code etc/org.gatehouse.balancer.pool-<name>.cfg}: its nodes, health checks and
 * the route it serves on the HTTPS front door. A change to the file applies to the next request; a
 * bad value is refused with one log line naming file and key, and the pool keeps serving as it was.
 * A file refused before the pool ever served still claims the pool's routes, which answer 503 with a
 * page naming the file and key, so that clients do not get 404 from whatever serves {@code /} instead.
 * Either way the refusal is a Problem (gatehouse:status) and shown by proxy:nodes until a valid file applies.
 */
@Component(name = PoolSettings.FACTORY_PID, configurationPid = PoolSettings.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = PoolComponent.class)
@Designate(ocd = PoolConfiguration.class, factory = true)
public final class PoolComponent {

    @Reference
    EventLoops loops;

    /** How the nodes' host names are looked up, and how often (tests make lookups slow, failing or quick). */
    NodeNames.Lookup lookup = NodeNames.SYSTEM;
    long namesRefreshMillis = 60_000;
    long namesRetryMillis = 5_000;
    /** How often the CA file in use is looked at for a change, in milliseconds (5 s, as the LDAP filter's ca-file). */
    long caCheckMillis = 5000;

    private BundleContext context;
    private Pool pool;
    private ProxyRoute route;
    private HealthChecks checks;
    private ServiceRegistration<HttpRoute> registration;
    private String pid;
    /** The routes this pool gets (those of its settings that no other pool had first). */
    private List<String> routes = List.of();
    private ProblemSlot problem = new ProblemSlot(null);
    /** Node host names that do not resolve, one line each. */
    private ProblemSlot nameProblems = new ProblemSlot(null);
    /** The CA file in force, looked at for a change. */
    private CaFileCheck caCheck = new CaFileCheck(new ProblemSlot(null));
    private NodeNames names;
    private ScheduledExecutorService background;
    /** Configurations delivered so far (a CA file's retry applies only the latest). */
    private long configurations;
    /** The configuration last refused for its tls-ca-file, the file and what it read as then; null: none. */
    private Map<String, Object> refusedForCa;
    private Path refusedCa;
    private String refusedCaStamp;
    /** Why the pool's file is not in force, naming file and key; null when it is. */
    private String refused;
    /** What the operator does about {@link #refused}: "fix KEY in FILE first". */
    private String fix;
    /** A pool whose file was refused before it ever served: its name, file and the routes it claims meanwhile. */
    private String refusedName;
    private String refusedSource;
    private List<String> refusedRoutes;
    /** The 503 page its routes answer meanwhile; null once the pool serves. */
    private volatile String refusedPage;
    /** What is registered on the front door: the pool's route, or the 503 page of a pool refused at start. */
    private final HttpRoute served = this::serve;

    /** DS's deactivation reason for a deleted configuration (ComponentConstants, OSGi Compendium 112.5.16). */
    private static final int CONFIGURATION_DELETED = 4;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        this.problem = new ProblemSlot(context);
        this.nameProblems = new ProblemSlot(context);
        this.caCheck = new CaFileCheck(new ProblemSlot(context));
        // The pool's own thread: CA file checks and its nodes' host name lookups, never an I/O thread.
        this.background = Background.thread("gatehouse-balancer-" + pid);
        try {
            retry(apply(PoolSettings.read(pid, properties)));
            warnUnknownKeys(pid, properties);
        } catch (InvalidSettingException e) {
            retry(refuse(properties, e.getMessage(), e.source(), e.key()));
        } catch (Exception e) {
            String source = Settings.of(pid, properties).source();
            retry(refuse(properties, source + ": " + e.getMessage(), source, null));
        }
        background.scheduleWithFixedDelay(this::checkCaFileQuietly, caCheckMillis, caCheckMillis, TimeUnit.MILLISECONDS);
    }

    /** A failure must not end the periodic check. */
    private void checkCaFileQuietly() {
        try {
            long configuration;
            Map<String, Object> again;
            synchronized (this) {
                configuration = configurations;
                again = refusedCaChanged();
            }
            if (again != null) {
                applyAgain(again, configuration);
            }
            Pool p = pool();
            if (p != null) {
                caCheck.check(p);
            }
        } catch (RuntimeException e) {
            Balancer.LOG.warn("Balancer: checking tls-ca-file failed: {}", e.toString(), e);
        }
    }

    /** The configuration refused for its tls-ca-file, when that file has changed since (to apply again), else null. */
    private synchronized Map<String, Object> refusedCaChanged() {
        if (refusedForCa == null || UpstreamTls.stampOf(refusedCa).equals(refusedCaStamp)) {
            return null;
        }
        Map<String, Object> again = refusedForCa;
        refusedForCa = null;
        Balancer.LOG.info("Balancer: tls-ca-file {} changed: its pool's file is applied again", refusedCa);
        return again;
    }

    /** The pool's Problems for node names that do not resolve, stated again (a lookup failed or succeeded, or the nodes changed). */
    private synchronized void namesChanged() {
        if (stopped) {
            // A lookup under way when the pool went (its file deleted) says nothing: no Problem comes back.
            return;
        }
        Pool p = pool;
        List<String> lines = new ArrayList<>();
        if (p != null) {
            for (Node n : p.nodes()) {
                String why = n.lookupFailure();
                if (why != null && n.addressKnown()) {
                    lines.add(p.settings().source() + ": nodes: host " + n.spec().host() + " does not resolve now (" + why + "); node "
                            + n.address() + " keeps its last address " + n.socketAddress().getAddress().getHostAddress() + " until it does");
                } else if (why != null) {
                    lines.add(p.settings().source() + ": nodes: host " + n.spec().host() + " does not resolve (" + why + "); node "
                            + n.address() + " gets no requests until it does");
                }
            }
        }
        nameProblems.set(lines);
    }

    /**
     * Deactivated: work still under way (a name lookup, the CA file check, a node command) changes
     * nothing any more: no Problem, route or pool comes back for a pool that is gone.
     */
    private boolean stopped;

    /** The nodes a node command applied ahead of the file watcher, until an update with them arrives. */
    private List<NodeSpec> ahead;

    @Modified
    void modified(Map<String, Object> properties) {
        List<PoolComponent> others;
        synchronized (this) {
            configurations++;
            others = applyFile(properties);
        }
        retry(others);
    }

    /** The pool's file applied or refused; returns the pools to {@link #retry} once this pool's lock is released. */
    private synchronized List<PoolComponent> applyFile(Map<String, Object> properties) {
        try {
            List<PoolComponent> others = apply(caughtUp(PoolSettings.read(pid, properties), properties));
            warnUnknownKeys(pid, properties);
            return others;
        } catch (InvalidSettingException e) {
            return refuse(properties, e.getMessage(), e.source(), e.key());
        } catch (Exception e) {
            String source = Settings.of(pid, properties).source();
            return refuse(properties, source + ": " + e.getMessage(), source, null);
        }
    }

    /** The configuration refused for its tls-ca-file applied again, unless a newer one came meanwhile. */
    private void applyAgain(Map<String, Object> properties, long configuration) {
        List<PoolComponent> others;
        synchronized (this) {
            if (stopped || configuration != configurations) {
                return;
            }
            others = applyFile(properties);
        }
        retry(others);
    }

    /**
     * The pool's file is refused ({@code reason} names the file and key): a pool that serves goes on with
     * its previous settings; one that never served claims its routes (its {@code routes} key if that is
     * valid, else the default pool's routes for the default pool) and answers them 503. Returns the
     * pools that may get a route it let go.
     */
    private synchronized List<PoolComponent> refuse(Map<String, Object> properties, String reason, String source, String key) {
        refusedForCa = null;
        if ("tls-ca-file".equals(key)) {
            // Tried again when the CA file appears or changes, without an edit of the pool's file.
            try {
                Path ca = PoolSettings.read(pid, properties).tls().caFile();
                if (ca != null) {
                    refusedForCa = properties;
                    refusedCa = ca;
                    refusedCaStamp = UpstreamTls.stampOf(ca);
                }
            } catch (InvalidSettingException e) {
                // refused for its text: an edit of it comes
            }
        }
        refused = reason;
        fix = "fix " + (key == null ? "" : key + " in ") + source + " first";
        if (pool != null) {
            Balancer.LOG.error("{}; the pool keeps its previous settings", reason);
            problem.set(reason + "; pool " + pool.name() + " is running on its previous settings until it is fixed");
            return List.of();
        }
        Settings s = Settings.of(pid, properties);
        String name;
        try {
            name = PoolSettings.name(s, pid);
        } catch (InvalidSettingException e) {
            name = Objects.requireNonNullElse(PoolSettings.nameOf(s.source(), pid), pid);
        }
        List<String> wanted;
        try {
            wanted = PoolSettings.routes(s, name);
        } catch (InvalidSettingException e) {
            wanted = name.equals(PoolSettings.DEFAULT_POOL) ? PoolSettings.DEFAULT_ROUTES : List.of();
        }
        refusedName = name;
        refusedSource = s.source();
        refusedRoutes = List.copyOf(wanted);
        RouteClaims.Result claims = RouteClaims.claim(this, name, s.source(), refusedRoutes);
        warnTaken(claims, name, s.source());
        routes = claims.granted();
        // The page goes to anyone on the Internet: it says what is wrong, not the file, key or value
        // (the log, gatehouse:status and proxy:nodes name them for the operator).
        refusedPage = ProxyExchange.page(HttpResponseStatus.SERVICE_UNAVAILABLE, "This service is not available: the proxy's configuration "
                + "for it is refused, and no conferencing node is contacted until the administrator fixes it.");
        Balancer.LOG.error("{}; {} until it is fixed", reason, whileRefused());
        problem.set(reason + "; " + whileRefused() + " until it is fixed");
        register(routes, name);
        return claims.retry();
    }

    /** What a pool refused at start does meanwhile. */
    private String whileRefused() {
        return "pool " + refusedName + (routes.isEmpty() ? " serves nothing" : " is serving 503 on " + String.join(" ", routes));
    }

    private void serve(HttpExchange exchange) {
        String page = refusedPage;
        if (page != null) {
            exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", page);
        } else {
            route.handle(exchange);
        }
    }

    /** What the front door calls for this pool's routes. */
    HttpRoute served() {
        return served;
    }

    /** Why a node command cannot change this pool now, or null: its file was refused before it ever served. */
    synchronized String refusedAtStart() {
        return pool == null && refused != null ? refused + "; " + fix : null;
    }

    /**
     * {@code s} as it may apply now. A node command applies its nodes before ConfigAdmin delivers the
     * file it wrote, and an update for the file as it was a moment earlier (FileInstall's, read just
     * before the command wrote, delivered just after) would otherwise bring a removed node back, or
     * take an added one away, until the command's own update arrives. While the file on disk still
     * holds the command's nodes, those stay; an update with them, or a file edited since, ends that.
     */
    private synchronized PoolSettings caughtUp(PoolSettings s, Map<String, Object> properties) {
        List<NodeSpec> mine = ahead;
        if (mine == null) {
            return s;
        }
        if (!s.nodes().equals(mine) && mine.equals(nodesOnDisk(properties))) {
            Balancer.LOG.debug("Balancer: pool {}: an update older than the nodes set by a command, whose own update follows", s.name());
            return s.withNodes(mine);
        }
        ahead = null;
        return s;
    }

    /** The nodes of the pool's file as it is now, or null when it cannot be read. */
    private List<NodeSpec> nodesOnDisk(Map<String, Object> properties) {
        Path file = CfgFile.of(properties);
        try {
            String text = file == null ? null : CfgFile.read(file);
            return text == null ? null : PoolsAdmin.nodes(text, file, pid);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(String pid, Map<String, Object> p) {
        Settings.unknownKeys(Balancer.LOG::warn, pid, p, () -> PoolSettings.read(pid, p));
    }

    /** Returns the other pools that may now get a route this one let go (to {@link #retry} once this pool's lock is released). */
    synchronized List<PoolComponent> apply(PoolSettings s) throws Exception {
        if (pool != null && !pool.name().equals(s.name())) {
            throw new InvalidSettingException(s.source(), "name", s.name(), "cannot change while the pool serves (it is " + pool.name() + ")");
        }
        boolean sameTls = pool != null && pool.tls().settings().equals(s.tls());
        UpstreamTls tls = sameTls ? pool.tls() : tlsFor(s);
        if (!sameTls) {
            UpstreamTls.warnUnusedKeys(s);
            caCheck.reset();
        }
        RouteClaims.Result claims = RouteClaims.claim(this, s.name(), s.source(), s.routes());
        if (pool == null) {
            names = new NodeNames(background, lookup, namesRefreshMillis, namesRetryMillis, this::namesChanged);
            pool = new Pool(s, tls, names);
            route = new ProxyRoute(pool, loops);
            checks = new HealthChecks(route, loops);
            Balancer.LOG.info("Balancer: pool {} serves {} with {} node(s){}", s.name(),
                    claims.granted().isEmpty() ? "nothing" : String.join(" ", claims.granted()), s.nodes().size(),
                    s.tls().enabled() ? " over TLS" : "");
        } else {
            pool.apply(s, tls);
            if (!routes.equals(claims.granted())) {
                Balancer.LOG.info("Balancer: pool {} now serves {}", s.name(), claims.granted());
            }
        }
        warnTaken(claims, s.name(), s.source());
        routes = claims.granted();
        checks.follow(pool);
        if (refused != null) {
            Balancer.LOG.info("Balancer: {} is in force again", s.source());
        }
        refused = null;
        refusedForCa = null;
        fix = null;
        refusedRoutes = null;
        refusedPage = null;
        problem.set((String) null);
        register(routes, s.name());
        namesChanged();
        return claims.retry();
    }

    private static void warnTaken(RouteClaims.Result claims, String name, String source) {
        claims.taken().forEach((r, owner) -> Balancer.LOG.warn("Balancer: {}: route {} is also in pool {} ({}), which serves it: pool {} does "
                + "not get it until {} lets it go (remove it from one of the two files)", source, r, owner.name(), owner.source(), name,
                owner.name()));
    }

    /** Pools that may get a route another let go claim their routes again (outside any pool's lock: each takes its own). */
    static void retry(List<PoolComponent> pools) {
        List<PoolComponent> next = new ArrayList<>(pools);
        while (!next.isEmpty()) {
            next.addAll(next.remove(0).reclaim());
        }
    }

    private synchronized List<PoolComponent> reclaim() {
        if (stopped || pool == null && refusedRoutes == null) {
            return List.of();
        }
        String name = pool == null ? refusedName : pool.name();
        RouteClaims.Result claims = pool == null ? RouteClaims.claim(this, name, refusedSource, refusedRoutes)
                : RouteClaims.claim(this, name, pool.settings().source(), pool.settings().routes());
        if (!routes.equals(claims.granted())) {
            routes = claims.granted();
            if (pool == null) {
                Balancer.LOG.info("Balancer: {}", whileRefused());
                problem.set(refused + "; " + whileRefused() + " until it is fixed");
            } else {
                Balancer.LOG.info("Balancer: pool {} now serves {}", name, routes);
            }
            register(routes, name);
        }
        return claims.retry();
    }

    /**
     * Puts {@code nodes} in force at once, every other setting as it is (a node command; the pool's
     * file, which it has written, is applied whole when ConfigAdmin delivers it). Returns the
     * settings it replaced, or null when the pool does not serve (its settings were refused).
     */
    synchronized PoolSettings nodes(List<NodeSpec> nodes) {
        if (pool == null || stopped) {
            return null;
        }
        ahead = List.copyOf(nodes);
        PoolSettings before = pool.settings();
        pool.apply(before.withNodes(nodes), pool.tls());
        checks.follow(pool);
        namesChanged();
        return before;
    }

    /** Back to {@code s} (a node command whose file could not be written). */
    synchronized void restore(PoolSettings s) {
        ahead = null;
        if (pool != null && !stopped) {
            pool.apply(s, pool.tls());
            checks.follow(pool);
            namesChanged();
        }
    }

    private static UpstreamTls tlsFor(PoolSettings s) throws InvalidSettingException {
        try {
            return UpstreamTls.of(s.tls());
        } catch (UpstreamTls.CaFileException e) {
            throw new InvalidSettingException(s.source(), "tls-ca-file", s.tls().caFile(), "cannot be used: " + e.reason());
        } catch (Exception e) {
            String key = s.tls().caFile() != null ? "tls-ca-file" : "tls";
            throw new InvalidSettingException(s.source(), key, Objects.toString(s.tls().caFile(), "true"),
                    "gives no usable TLS context: " + e.getMessage());
        }
    }

    private void register(List<String> granted, String name) {
        if (context == null) {
            return;
        }
        if (granted.isEmpty()) {
            unregister();
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpRoute.PREFIX, granted.toArray(new String[0]));
        props.put("gatehouse.balancer.pool", name);
        if (registration == null) {
            registration = context.registerService(HttpRoute.class, served, props);
        } else {
            registration.setProperties(props);
        }
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
            registration = null;
        }
    }

    @Deactivate
    void deactivate(int reason) {
        retry(stop(reason));
    }

    private synchronized List<PoolComponent> stop(int reason) {
        stopped = true;
        if (reason == CONFIGURATION_DELETED && pool != null) {
            Balancer.LOG.info("Balancer: pool {} removed (its configuration was deleted): {} no longer routed; exchanges under way go on "
                    + "until they end", pool.name(), pool.settings().routes());
        }
        unregister();
        problem.clear();
        nameProblems.clear();
        caCheck.clear();
        if (names != null) {
            names.close();
        }
        if (background != null) {
            background.shutdownNow();
        }
        if (checks != null) {
            checks.stop();
        }
        if (pool != null) {
            pool.close();
        }
        return RouteClaims.release(this);
    }

    synchronized Pool pool() {
        return pool;
    }

    /** As it serves: the routes it gets, not those another pool has. */
    synchronized PoolStatus status() {
        if (pool == null) {
            return refusedRoutes == null ? null : new PoolStatus(refusedName, routes, false, List.of(), refused, false);
        }
        PoolStatus s = pool.status();
        return new PoolStatus(s.name(), routes, s.tls(), s.nodes(), refused, true);
    }

    /** The pool's name, also while its file is refused; null before it has one. */
    synchronized String name() {
        return pool != null ? pool.name() : refusedName;
    }

    /** The Problems it reports now. */
    List<String> problems() {
        List<String> out = problem.lines();
        out.addAll(nameProblems.lines());
        out.addAll(caCheck.lines());
        return out;
    }

    synchronized ProxyRoute route() {
        return route;
    }

    String pid() {
        return pid;
    }
}
