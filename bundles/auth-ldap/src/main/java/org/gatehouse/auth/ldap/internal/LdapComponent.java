package org.gatehouse.auth.ldap.internal;

import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.tls.http.HttpFilter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;

/**
 * LDAP/AD authentication ({@code etc/org.gatehouse.auth.ldap.cfg}). Without that file nothing is
 * guarded and no filter is registered; with it, the {@link HttpFilter} is registered on the HTTPS
 * front door and follows every change in place. A configuration that cannot be used keeps the one in
 * force; with none in force it fails closed (503 on every path) rather than let requests through.
 */
@Component(name = "org.gatehouse.auth.ldap", configurationPid = LdapSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = DirectoryCheck.class)
@Designate(ocd = LdapConfiguration.class)
public final class LdapComponent implements DirectoryCheck {

    private static final Logger LOG = LdapFilter.LOG;
    /** Logins waiting for a worker beyond this are answered 503 at once. */
    static final int QUEUE = 512;

    private final ThreadPoolExecutor workers;
    private final LdapFilter filter;
    private BundleContext context;
    private ServiceRegistration<HttpFilter> registration;
    private LdapSettings inForce;
    /** Whether {@link #inForce} came from the file (not the absence of one): a refused change keeps it, whatever it says. */
    private boolean inForceFromFile;
    /**
     * Failed logins per address, kept for the component's life: a change of the file (even of
     * failure-limit or failure-window, which apply to the counts at once) does not give a guesser a
     * fresh start.
     */
    private final FailureLimiter limiter = new FailureLimiter(10, 300);

    public LdapComponent() {
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "gatehouse-ldap-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        filter = new LdapFilter(workers);
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        apply(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        apply(properties);
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, LdapSettings.PID, p, () -> LdapSettings.read(p));
    }

    synchronized void apply(Map<String, Object> properties) {
        boolean configured = properties.containsKey("service.pid") || properties.containsKey("url");
        LdapSettings s;
        Directory d = null;
        try {
            s = LdapSettings.read(properties);
            warnUnknownKeys(properties);
            if (s.guarding()) {
                d = new Directory(s);
            }
        } catch (InvalidSettingException e) {
            if (inForce != null && inForceFromFile && configured) {
                // Whatever the good file said stays, guarding or not: a typo must not turn a working server into 503 everywhere.
                LOG.error("{}; keeping the configuration in force ({})", e.getMessage(), describe(inForce));
            } else if (configured) {
                LOG.error("{}; every request is answered 503 until it is fixed", e.getMessage());
                swap(LdapFilter.Active.broken(e.getMessage()));
                register();
            } else {
                LOG.error("{}; nothing is guarded", e.getMessage());
            }
            return;
        }
        boolean wasGuarding = filter.active() != null;
        inForce = s;
        inForceFromFile = configured;
        if (d == null) {
            unregister();
            swap(null);
            if (configured) {
                LOG.info("LDAP: {}; nothing is guarded", s.enabled() ? "no url configured" : "enabled = false");
            } else if (wasGuarding) {
                // The configuration was deleted (etc/org.gatehouse.auth.ldap.cfg removed): say so, as it opens every path.
                LOG.warn("LDAP: configuration {} removed; nothing is guarded any more", LdapSettings.PID);
            }
            return;
        }
        int threads = Math.max(2, s.poolSize() * 2);
        if (threads > workers.getMaximumPoolSize()) {
            workers.setMaximumPoolSize(threads);
            workers.setCorePoolSize(threads);
        } else {
            workers.setCorePoolSize(threads);
            workers.setMaximumPoolSize(threads);
        }
        swap(new LdapFilter.Active(s, d, new LoginCache(s.cacheSeconds()), limiter.use(s.failureLimit(), s.failureWindowSeconds()), null));
        register();
        LOG.info("LDAP: guarding {} (realm \"{}\") against {}, users {} under {}{}", s.guardedPaths(), s.realm(), s.servers(),
                s.userFilter(), s.base(), s.requiredGroup() == null ? "" : ", in " + s.requiredGroup());
    }

    /** What a configuration in force does, for the log line that keeps it. */
    private static String describe(LdapSettings s) {
        if (s.guarding()) {
            return s.toString();
        }
        return (s.enabled() ? "no url configured" : "enabled = false") + ": nothing is guarded";
    }

    /** The new state serves the next request; the old directory's pools close once its last calls are over. */
    private void swap(LdapFilter.Active next) {
        LdapFilter.Active old = filter.active();
        filter.use(next);
        if (old != null && old.directory() != null) {
            Directory d = old.directory();
            CompletableFuture.runAsync(d::close, CompletableFuture.delayedExecutor(30, TimeUnit.SECONDS));
        }
    }

    private void register() {
        if (registration == null && context != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("gatehouse.filter", "ldap");
            registration = context.registerService(HttpFilter.class, filter, props);
        }
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
    }

    @Deactivate
    synchronized void deactivate() {
        unregister();
        LdapFilter.Active old = filter.active();
        filter.use(null);
        if (old != null && old.directory() != null) {
            old.directory().close();
        }
        for (Runnable waiting : workers.shutdownNow()) {
            if (waiting instanceof LdapFilter.Login) {
                ((LdapFilter.Login) waiting).abandon();
            }
        }
    }

    @Override
    public State state() {
        LdapFilter.Active a = filter.active();
        LdapSettings s;
        boolean fromFile;
        synchronized (this) {
            s = inForce;
            fromFile = inForceFromFile;
        }
        boolean guarding = a != null;
        long unusable = filter.unusable.sum();
        return new State(s != null && s.guarding(), guarding, s == null ? List.of() : s.servers(),
                s == null ? List.of() : s.guardedPaths(), a == null ? null : a.problem(),
                filter.accepted.sum(), filter.refused.sum(), filter.unavailable.sum() - unusable,
                a == null || a.cache() == null ? 0 : a.cache().size(), guarding ? null : idle(s, fromFile), unusable);
    }

    /** Why nothing is guarded, in the operator's words. */
    private static String idle(LdapSettings s, boolean fromFile) {
        if (s == null || !fromFile) {
            return "no etc/org.gatehouse.auth.ldap.cfg (see etc/org.gatehouse.auth.ldap.cfg.example)";
        }
        return s.enabled() ? "no url in etc/org.gatehouse.auth.ldap.cfg" : "enabled = false in etc/org.gatehouse.auth.ldap.cfg";
    }

    @Override
    public Statistics statistics() {
        return new Statistics(filter.accepted.sum(), filter.cacheHits.sum(), filter.wrongCredentials.sum(), filter.malformed.sum(),
                filter.rateLimited.sum(), filter.unavailable.sum(), filter.reachability());
    }

    @Override
    public List<Step> test(String user, char[] password) {
        LdapSettings s;
        synchronized (this) {
            s = inForce;
        }
        LdapFilter.Active a = filter.active();
        if (a != null && a.problem() != null) {
            // No usable configuration: whatever is in inForce (none, or no file) is not what the filter does.
            return List.of(new Step("configuration", false, "cannot be used, every request gets 503: " + a.problem()));
        }
        return DirectoryProbe.test(s, user, new String(password));
    }

    /** For tests: the filter, as the front door would see it. */
    LdapFilter filter() {
        return filter;
    }
}
