package org.gatehouse.stun.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.ListenerRetry;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.gatehouse.stun.TurnHandler;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The STUN responder: owns the 3478 sockets, answers Binding, and hands everything else to the TURN
 * handler when one is installed. Configuration changes apply in place; the TURN handler can come
 * and go without the sockets closing.
 */
@Component(name = "org.gatehouse.stun.responder", configurationPid = StunSettings.PID, immediate = true)
@Designate(ocd = StunConfiguration.class)
public final class StunResponderComponent implements StunService {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.stun");

    private final Statistics statistics = new Statistics();
    private final MalformedLog malformedLog = new MalformedLog();
    private final Dispatcher dispatcher = new Dispatcher(statistics, malformedLog);

    @Reference
    EventLoops loops;

    private volatile ListenerSet listeners;
    /** This host's addresses, for the UDP wildcards' per-address sockets; tests put in their own. */
    Supplier<List<InetAddress>> hostAddresses = AddressSockets::hostAddresses;
    /** Between tries of listeners that could not be opened; tests make it shorter. */
    long retryMillis = ListenerRetry.INTERVAL_SECONDS * 1000L;
    private Prober prober;
    private ScheduledFuture<?> sampler;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTurn(TurnHandler handler) {
        dispatcher.turn(handler);
        LOG.info("STUN: TURN requests now go to {}", handler.getClass().getName());
    }

    void unbindTurn(TurnHandler handler) {
        if (dispatcher.clearTurn(handler)) {
            LOG.info("STUN: no TURN handler; serving STUN only");
        }
    }

    private volatile TlsContexts tls;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTls(TlsContexts contexts) {
        tls = contexts;
        ListenerSet l = listeners;
        if (l != null) {
            l.tls(contexts);
        }
    }

    void unbindTls(TlsContexts contexts) {
        if (tls == contexts) {
            tls = null;
            ListenerSet l = listeners;
            if (l != null) {
                l.tls(null);
            }
        }
    }

    /** The STUN file refused, for gatehouse:status (the log line alone would soon be out of sight). */
    private ProblemSlot refused = new ProblemSlot(null);

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        refused = new ProblemSlot(context);
        listeners = new ListenerSet(loops, dispatcher, context, hostAddresses, retryMillis);
        listeners.tls(tls);
        prober = new Prober(loops);
        sampler = loops.group().next().scheduleAtFixedRate(statistics::sample, 1, 1, TimeUnit.SECONDS);
        StunSettings s;
        try {
            s = StunSettings.read(properties);
        } catch (InvalidSettingException e) {
            s = withoutRefusedKeys(properties, e);
        }
        apply(s);
        warnUnknownKeys(properties);
    }


    /**
     * A file refused at start: the rest of it applies, each refused key at its built-in default, except
     * the listening addresses. In place of a refused {@code listen} or {@code tls-listen} nothing
     * listens (the default is every interface, TURN included: on a dual-NIC box the management side
     * too), until the file is fixed.
     */
    private StunSettings withoutRefusedKeys(Map<String, Object> properties, InvalidSettingException first) {
        Settings.Partial<StunSettings> read = Settings.withoutRefusedKeys(properties, first, StunSettings::read,
                key -> isListen(key) ? "" : null);
        List<String> lines = new ArrayList<>();
        List<InvalidSettingException> refusals = read.refused();
        for (int i = 0; i < refusals.size(); i++) {
            InvalidSettingException e = refusals.get(i);
            // The last refusal of a file that could not be read at all: nothing of it listens.
            boolean unread = read.settings() == null && i == refusals.size() - 1;
            String instead = unread ? "nothing listens" : isListen(e.key()) ? "nothing listens in place of " + e.key()
                    : e.key() + " at its built-in default, the rest of the file applies";
            lines.add(e.getMessage() + "; " + instead + " until the file is fixed");
        }
        lines.forEach(LOG::error);
        refused.set(lines);
        try {
            return read.settings() != null ? read.settings() : StunSettings.read(Map.of("listen", "", "tls-listen", ""));
        } catch (InvalidSettingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static boolean isListen(String key) {
        return key.equals("listen") || key.equals("tls-listen");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            apply(StunSettings.read(properties));
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping the running STUN configuration", e.getMessage());
            refused.refused(e.getMessage(), "keeping the running STUN configuration");
            return;
        }
        refused.clear();
        warnUnknownKeys(properties);
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, StunSettings.PID, p, () -> StunSettings.read(p));
    }

    private void apply(StunSettings s) {
        s.warnings().forEach(LOG::warn);
        dispatcher.software(s.software());
        malformedLog.interval(s.malformedLogIntervalSeconds());
        listeners.apply(s);
    }

    @Deactivate
    void deactivate() {
        sampler.cancel(false);
        listeners.closeAll();
        refused.clear();
        // The I/O threads are core's and outlive this bundle: what they hold of it goes with it.
        for (EventExecutor loop : loops.group()) {
            try {
                loop.execute(Dispatcher::forgetOnThisThread);
            } catch (RejectedExecutionException e) {
                // the loops are stopping too
            }
        }
    }

    /** For tests: the listeners in force. */
    ListenerSet listenerSet() {
        return listeners;
    }

    @Override
    public List<Listener> listeners() {
        return listeners.listeners();
    }

    @Override
    public List<InetAddress> perAddress(Listener listener) {
        return listeners.perAddress(listener);
    }

    /** This host's addresses are listed again now rather than at the next check (tests). */
    void checkAddresses() {
        listeners.checkAddresses();
    }

    /** What of the configuration is not in force now; each line is also a Problem service for gatehouse:status. */
    List<String> problems() {
        List<String> all = new ArrayList<>(refused.lines());
        all.addAll(listeners.problems());
        return all;
    }

    @Override
    public StunStatistics statistics() {
        return statistics.snapshot();
    }

    @Override
    public CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout) {
        return prober.probe(server, timeout);
    }
}
