package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.LDAPURL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.core.Background;
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
    /** How often the ca-file is looked at for a change. */
    static final int CA_CHECK_SECONDS = 5;

    private final ThreadPoolExecutor workers;
    private final LdapFilter filter;
    private BundleContext context;
    private ServiceRegistration<HttpFilter> registration;
    /** The paths the registration names ({@link HttpFilter#GUARDED_PATHS}). */
    private List<String> registeredPaths;
    private LdapSettings inForce;
    /** The plain ldap:// servers the last warning named, so a change of another key does not repeat it. */
    private List<String> clearTextWarned = List.of();
    /** Whether {@link #inForce} came from the file (not the absence of one): a refused change keeps it, whatever it says. */
    private boolean inForceFromFile;
    /** Why nothing is guarded when the file was refused with nothing in force ({@link LdapSettings#lostUrl}); else null. */
    private String idleBecause;
    /**
     * Failed logins per address, kept for the component's life: a change of the file (even of
     * failure-limit or failure-window, which apply to the counts at once) does not give a guesser a
     * fresh start.
     */
    private final FailureLimiter limiter = new FailureLimiter(10, 50, 300);
    /** Logins accepted, kept while the settings that decide logins stay the same. */
    private LoginCache cache;
    /** What the in-force configuration's ca-file read as when its trust was made (null: none read). */
    private String inForceCa;
    private Path watchedFile;
    private String watchedCa;
    private Map<String, Object> watchedProperties;
    private ScheduledExecutorService caChecks;
    private boolean deactivated;

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
        caChecks = Background.thread("gatehouse-ldap-ca-file");
        caChecks.scheduleWithFixedDelay(this::checkCaFileQuietly, CA_CHECK_SECONDS, CA_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** A failure must not end the periodic check. */
    private void checkCaFileQuietly() {
        try {
            checkCaFile();
        } catch (RuntimeException e) {
            LOG.warn("LDAP: checking ca-file failed: {}", Causes.of(e), e);
        }
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
        apply(properties, false);
    }

    /**
     * @param caChanged whether this is the file's configuration again, because {@code ca-file} appeared
     *                  or changed ({@link #checkCaFile}): the INFO line then says the new CA was taken
     */
    private void apply(Map<String, Object> properties, boolean caChanged) {
        boolean configured = properties.containsKey("service.pid") || properties.containsKey("url");
        LdapSettings s;
        Directory d = null;
        LdapSettings parsed = null;
        String ca = null;
        try {
            s = LdapSettings.read(properties);
            parsed = s;
            if (!caChanged) {
                warnUnknownKeys(properties);
            }
            if (s.guarding()) {
                ca = s.caFile() != null && Connections.needsTls(s) ? Connections.fingerprint(s.caFile()) : null;
                d = new Directory(s);
            }
        } catch (InvalidSettingException e) {
            if (ca != null) {
                // Refused for its ca-file, maybe: tried again when that file appears or changes, without an edit.
                watch(parsed.caFile(), ca, properties);
            }
            if (inForce != null && inForceFromFile && configured) {
                // Whatever the good file said stays, guarding or not: a typo must not turn a working server into 503 everywhere.
                LOG.error("{}; keeping the configuration in force ({})", e.getMessage(), describe(inForce));
            } else if (configured && LdapSettings.lostUrl(e)) {
                // With nothing in force (a start, a file that appears): a file without url guarded
                // nothing before this check came, and an upgrade must not answer 503 everywhere for
                // one whose url was commented out on purpose. Said at ERROR, and by gatehouse:status.
                LOG.error("{}; nothing is guarded until it is fixed", e.getMessage());
                cache = null;
                release();
                swap(null);
                idleBecause = e.getMessage() + ": nothing is guarded";
            } else if (configured) {
                LOG.error("{}; every request is answered 503 until it is fixed", e.getMessage());
                swap(LdapFilter.Active.broken(e.getMessage()));
                register(List.of("/"));
            } else {
                LOG.error("{}; nothing is guarded", e.getMessage());
            }
            return;
        }
        boolean wasGuarding = filter.active() != null;
        idleBecause = null;
        inForce = s;
        inForceFromFile = configured;
        String caBefore = inForceCa;
        inForceCa = ca;
        if (ca == null) {
            watch(null, null, null);
        } else {
            watch(s.caFile(), ca, properties);
        }
        if (d == null) {
            cache = null;
            release();
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
        LdapFilter.Active before = filter.active();
        if (cache != null && before != null && s.decidesLoginsAs(before.settings()) && Objects.equals(ca, caBefore)) {
            // Same directory, same questions, same trust: the logins it accepted still hold (a changed
            // realm must not log everyone out). New CA certificates in the same ca-file (one taken out
            // as compromised) forget them, as a change of ca-file does.
            cache.lifetime(s.cacheSeconds());
        } else {
            cache = new LoginCache(s.cacheSeconds());
        }
        swap(new LdapFilter.Active(s, d, cache, limiter.use(s.failureLimit(), s.addressFailureLimit(), s.failureWindowSeconds()), null));
        register(s.guardedPaths());
        LOG.info("LDAP: {}guarding {} (realm \"{}\") against {}, users {} under {}{}",
                caChanged ? "took the new CA certificate(s) in ca-file = '" + s.caFile() + "' (" + ca + "); " : "",
                s.guardedPaths(), s.realm(), s.servers(), s.userFilter(), s.base(),
                s.requiredGroup() == null ? "" : ", in " + s.requiredGroup());
        warnAboutClearText(s);
    }

    /**
     * A user's password goes to the directory in the user bind: over ldap:// without start-tls it
     * crosses the network as it was typed. Allowed (a directory on the same host or a protected
     * segment), but said once, with the way out.
     */
    private void warnAboutClearText(LdapSettings s) {
        List<String> clear = s.startTls() ? List.of()
                : s.urls().stream().filter(u -> u.getScheme().equalsIgnoreCase("ldap")).map(LDAPURL::toString).toList();
        if (!clear.isEmpty() && !clear.equals(clearTextWarned)) {
            LOG.warn("LDAP: {}: url {} without start-tls: users' passwords cross the network to the directory in clear text; "
                    + "use ldaps:// or start-tls = true", s.source(), String.join(", ", clear));
        }
        clearTextWarned = clear;
    }

    /** Which configuration to apply again when {@code file} no longer reads as {@code fingerprint}; null file: none. */
    private void watch(Path file, String fingerprint, Map<String, Object> properties) {
        watchedFile = file;
        watchedCa = fingerprint;
        watchedProperties = properties;
    }

    /**
     * Every {@link #CA_CHECK_SECONDS} seconds, and before {@code ldap:test}: when the {@code ca-file}
     * of the configuration in force (or of one refused for it) has appeared or changed, that
     * configuration is applied again, so the filter takes the new CA without an edit of the file
     * (FileInstall sees no change in the .cfg, and a touch of it changes nothing).
     */
    synchronized void checkCaFile() {
        if (watchedFile == null || deactivated) {
            return;
        }
        String now = Connections.fingerprint(watchedFile);
        if (!now.equals(watchedCa)) {
            apply(watchedProperties, true);
        }
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

    /**
     * The filter as a service, its properties naming the paths it guards (everything while its
     * configuration cannot be used): the front holds them at 503 if the service goes without saying
     * it stops guarding (this bundle stopped, updated or refreshed).
     */
    private void register(List<String> guarded) {
        if (context == null) {
            return;
        }
        Hashtable<String, Object> props = properties(guarded);
        if (registration == null) {
            registration = context.registerService(HttpFilter.class, filter, props);
        } else if (!guarded.equals(registeredPaths)) {
            registration.setProperties(props);
        }
        registeredPaths = List.copyOf(guarded);
    }

    /** The service's properties: its name, and the paths it guards when there are any. */
    private static Hashtable<String, Object> properties(List<String> guarded) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(HttpFilter.NAME, "ldap");
        if (!guarded.isEmpty()) {
            props.put(HttpFilter.GUARDED_PATHS, guarded.toArray(new String[0]));
        }
        return props;
    }

    /** Stops guarding on purpose (turned off, configuration deleted): said to the front first, so it holds nothing. */
    private void release() {
        if (registration != null) {
            try {
                registration.setProperties(properties(List.of()));
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        unregister();
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
            registeredPaths = null;
        }
    }

    @Deactivate
    synchronized void deactivate() {
        deactivated = true;
        if (caChecks != null) {
            caChecks.shutdownNow();
        }
        LdapFilter.Active old = filter.active();
        if (old != null) {
            // Requests under way that the front handed to this filter are answered 503, not let through;
            // the service goes still naming its paths, which the front then holds at 503 until it is back.
            filter.use(LdapFilter.Active.broken("LDAP authentication is stopping"));
        }
        unregister();
        if (old != null && old.directory() != null) {
            old.directory().close();
        }
        for (Runnable waiting : workers.shutdownNow()) {
            if (waiting instanceof LdapFilter.Login) {
                ((LdapFilter.Login) waiting).abandon();
            }
        }
    }

    /** For tests: the settings in force. */
    synchronized LdapSettings inForce() {
        return inForce;
    }

    @Override
    public State state() {
        LdapFilter.Active a = filter.active();
        LdapSettings s;
        boolean fromFile;
        String idle;
        synchronized (this) {
            s = inForce;
            fromFile = inForceFromFile;
            idle = idleBecause;
        }
        boolean guarding = a != null;
        long unusable = filter.unusable.sum();
        return new State(s != null && s.guarding(), guarding, s == null ? List.of() : s.servers(),
                s == null ? List.of() : s.guardedPaths(), a == null ? null : a.problem(),
                filter.accepted.sum(), filter.refused.sum(), filter.unavailable.sum() - unusable,
                a == null || a.cache() == null ? 0 : a.cache().size(), guarding ? null : idle != null ? idle : idle(s, fromFile), unusable);
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
        // A CA file changed since the last look is taken (or refused) now, so this check and the filter agree.
        checkCaFile();
        LdapSettings s;
        String ca;
        synchronized (this) {
            s = inForce;
            ca = inForceCa;
        }
        LdapFilter.Active a = filter.active();
        if (a != null && a.problem() != null) {
            // No usable configuration: whatever is in inForce (none, or no file) is not what the filter does.
            return List.of(new Step("configuration", false, "cannot be used, every request gets 503: " + a.problem()));
        }
        if (a == null || a.directory() == null) {
            return DirectoryProbe.test(s, null, user, new String(password));
        }
        List<Step> steps = new ArrayList<>();
        LdapSettings used = a.directory().settings();
        if (ca != null && used.caFile() != null) {
            String onDisk = Connections.fingerprint(used.caFile());
            if (!onDisk.equals(ca)) {
                // The filter refused the file's new content (the log says why) and trusts what it read before: so does this check.
                steps.add(new Step("ca-file", true, used.caFile() + " now reads " + onDisk + ", which the filter refused;"
                        + " checking with the CA it uses (" + ca + ")"));
            }
        }
        steps.addAll(DirectoryProbe.test(used, a.directory().tls(), user, new String(password)));
        return steps;
    }

    /** For tests: the filter, as the front door would see it. */
    LdapFilter filter() {
        return filter;
    }

    /** The failure counts, for tests. */
    FailureLimiter limiter() {
        return limiter;
    }
}
