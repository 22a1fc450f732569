package org.gatehouse.balancer.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.config.CfgFile;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
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
 */
@Component(name = PoolSettings.FACTORY_PID, configurationPid = PoolSettings.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = PoolComponent.class)
@Designate(ocd = PoolConfiguration.class, factory = true)
public final class PoolComponent {

    @Reference
    EventLoops loops;

    private BundleContext context;
    private Pool pool;
    private ProxyRoute route;
    private HealthChecks checks;
    private ServiceRegistration<HttpRoute> registration;
    private String pid;
    /** The routes this pool gets (those of its settings that no other pool had first). */
    private List<String> routes = List.of();

    /** DS's deactivation reason for a deleted configuration (ComponentConstants, OSGi Compendium 112.5.16). */
    private static final int CONFIGURATION_DELETED = 4;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        try {
            retry(apply(PoolSettings.read(pid, properties)));
            warnUnknownKeys(pid, properties);
        } catch (InvalidSettingException e) {
            Balancer.LOG.error("{}; this pool serves nothing until it is fixed", e.getMessage());
        } catch (Exception e) {
            Balancer.LOG.error("Balancer: {}: {}; this pool serves nothing until it is fixed", properties.get("felix.fileinstall.filename"), e.getMessage());
        }
    }

    /** The nodes a node command applied ahead of the file watcher, until an update with them arrives. */
    private List<NodeSpec> ahead;

    @Modified
    void modified(Map<String, Object> properties) {
        PoolSettings s;
        try {
            s = caughtUp(PoolSettings.read(pid, properties), properties);
            retry(apply(s));
            warnUnknownKeys(pid, properties);
        } catch (InvalidSettingException e) {
            Balancer.LOG.error("{}; the pool keeps its previous settings", e.getMessage());
        } catch (Exception e) {
            Balancer.LOG.error("Balancer: pool {}: {}; the pool keeps its previous settings", pool == null ? pid : pool.name(), e.getMessage());
        }
    }

    /**
     * {@code s} as it may apply now. A node command applies its nodes before FileInstall has read the
     * file it wrote, and FileInstall's update for the file as it was a moment earlier (read just
     * before the command wrote, delivered just after) would otherwise bring a removed node back, or
     * take an added one away, until the next poll. While the file on disk still holds the command's
     * nodes, those stay; an update with them, or a file edited since, ends that.
     */
    private synchronized PoolSettings caughtUp(PoolSettings s, Map<String, Object> properties) {
        List<NodeSpec> mine = ahead;
        if (mine == null) {
            return s;
        }
        if (!s.nodes().equals(mine) && mine.equals(nodesOnDisk(properties))) {
            Balancer.LOG.debug("Balancer: pool {}: an update older than the nodes set by a command; its file is read again shortly", s.name());
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
        UpstreamTls tls = pool != null && pool.tls().settings().equals(s.tls()) ? pool.tls() : tlsFor(s);
        RouteClaims.Result claims = RouteClaims.claim(this, s.name(), s.source(), s.routes());
        if (pool == null) {
            pool = new Pool(s, tls);
            route = new ProxyRoute(pool, loops.socketChannelClass());
            checks = new HealthChecks(route, loops);
            Balancer.LOG.info("Balancer: pool {} serves {} with {} node(s){}", s.name(), claims.granted(), s.nodes().size(),
                    s.tls().enabled() ? " over TLS" : "");
        } else {
            pool.apply(s, tls);
            if (!routes.equals(claims.granted())) {
                Balancer.LOG.info("Balancer: pool {} now serves {}", s.name(), claims.granted());
            }
        }
        claims.taken().forEach((r, owner) -> Balancer.LOG.warn("Balancer: {}: route {} is also in pool {} ({}), which serves it: pool {} does "
                + "not get it until {} lets it go (remove it from one of the two files)", s.source(), r, owner.name(), owner.source(), s.name(),
                owner.name()));
        routes = claims.granted();
        checks.follow(pool);
        register(routes);
        return claims.retry();
    }

    /** Pools that may get a route another let go claim their routes again (outside any pool's lock: each takes its own). */
    static void retry(List<PoolComponent> pools) {
        List<PoolComponent> next = new ArrayList<>(pools);
        while (!next.isEmpty()) {
            next.addAll(next.remove(0).reclaim());
        }
    }

    private synchronized List<PoolComponent> reclaim() {
        if (pool == null) {
            return List.of();
        }
        PoolSettings s = pool.settings();
        RouteClaims.Result claims = RouteClaims.claim(this, s.name(), s.source(), s.routes());
        if (!routes.equals(claims.granted())) {
            routes = claims.granted();
            Balancer.LOG.info("Balancer: pool {} now serves {}", s.name(), routes);
            register(routes);
        }
        return claims.retry();
    }

    /**
     * Puts {@code nodes} in force at once, every other setting as it is (a node command; the pool's
     * file, which it has written, is applied whole when the file watcher reads it). Returns the
     * settings it replaced, or null when the pool does not serve (its settings were refused).
     */
    synchronized PoolSettings nodes(List<NodeSpec> nodes) {
        if (pool == null) {
            return null;
        }
        ahead = List.copyOf(nodes);
        PoolSettings before = pool.settings();
        pool.apply(before.withNodes(nodes), pool.tls());
        checks.follow(pool);
        return before;
    }

    /** Back to {@code s} (a node command whose file could not be written). */
    synchronized void restore(PoolSettings s) {
        ahead = null;
        if (pool != null) {
            pool.apply(s, pool.tls());
            checks.follow(pool);
        }
    }

    private static UpstreamTls tlsFor(PoolSettings s) throws InvalidSettingException {
        try {
            return UpstreamTls.of(s.tls());
        } catch (Exception e) {
            String key = s.tls().caFile() != null ? "tls-ca-file" : "tls";
            throw new InvalidSettingException(s.source(), key, Objects.toString(s.tls().caFile(), "true"),
                    "gives no usable TLS context: " + e.getMessage());
        }
    }

    private void register(List<String> granted) {
        if (context == null) {
            return;
        }
        if (granted.isEmpty()) {
            unregister();
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpRoute.PREFIX, granted.toArray(new String[0]));
        props.put("gatehouse.balancer.pool", pool.name());
        if (registration == null) {
            registration = context.registerService(HttpRoute.class, route, props);
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
        if (reason == CONFIGURATION_DELETED && pool != null) {
            Balancer.LOG.info("Balancer: pool {} removed (its configuration was deleted): {} no longer routed; exchanges under way go on "
                    + "until they end", pool.name(), pool.settings().routes());
        }
        unregister();
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
            return null;
        }
        PoolStatus s = pool.status();
        return new PoolStatus(s.name(), routes, s.tls(), s.nodes());
    }

    synchronized ProxyRoute route() {
        return route;
    }

    String pid() {
        return pid;
    }
}
