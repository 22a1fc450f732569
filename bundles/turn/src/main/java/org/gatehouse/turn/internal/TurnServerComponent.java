package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.Background;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.turn.AllocationInfo;
import org.gatehouse.turn.Draining;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;
import org.gatehouse.turn.TurnUsers;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The TURN relay as an OSGi component: registered as the STUN responder's {@link TurnHandler}, and as
 * the administration services. A configuration change applies in place (no allocation is dropped);
 * a configuration with a bad value is refused whole, with one log line naming the file and key, and
 * a Problem for gatehouse:status while the file differs from what is in force. A file refused at
 * start puts nothing in force: TURN relays nothing until the file is fixed ({@link NoRelay}).
 * {@code enabled = false} (the appliance wizard's "TURN: disable") withdraws the handler, so the
 * responder answers STUN only, and ends every allocation; {@code true} puts it back.
 */
@Component(name = "org.gatehouse.turn.server", configurationPid = TurnSettings.PID, immediate = true,
        service = {TurnAdmin.class, TurnUsers.class})
@Designate(ocd = TurnConfiguration.class)
public final class TurnServerComponent implements TurnHandler, TurnAdmin, TurnUsers {

    @Reference
    EventLoops loops;

    /** The relay; null while no configuration is in force (the file was refused at start). */
    private volatile TurnServer server;
    private final NoRelay noRelay = new NoRelay();
    private BundleContext context;
    private ServiceRegistration<TurnHandler> handler;
    private ProblemSlot problems = new ProblemSlot(null);
    /** Why the file is not what is in force (one line naming file and key), or null. */
    private volatile String refusal;
    /** The relay-ip addresses not on this host and the external-ip pairs that match no relay address, as last warned. */
    private List<String> addressWarnings = List.of();
    /** Checks relay-ip against the host's addresses again, which change without the file changing. */
    private ScheduledFuture<?> addressCheck;
    /** For the user file and address checks, which may block: never on an I/O thread. */
    private final ScheduledExecutorService background = Background.thread("gatehouse-turn-files");
    /** The user file the refused file names, for the shell while nothing is in force. */
    private Path userdbNamed = TurnSettings.resolve(TurnSettings.DEFAULT_USERDB);

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.problems = new ProblemSlot(context);
        start(properties);
        if (server == null) {
            register();
        } else {
            enable(properties);
        }
    }

    /** Starts the relay without registering it (tests outside OSGi; also the first step of activation). */
    void start(Map<String, Object> properties) {
        TurnSettings s;
        try {
            s = TurnSettings.read(properties);
        } catch (InvalidSettingException e) {
            // The built-in defaults would relay in another realm, to no conferencing node, from other
            // addresses, with nobody told: nothing relays until the file is fixed.
            TurnServer.LOG.error("{}; TURN is off until the file is fixed: Allocate is answered 508, STUN goes on", e.getMessage());
            refuse(e.getMessage() + "; TURN is off until the file is fixed (STUN goes on)");
            enabled = false;
            try {
                userdbNamed = TurnSettings.resolve(Settings.of(TurnSettings.PID, properties).string("userdb", TurnSettings.DEFAULT_USERDB));
            } catch (RuntimeException unusable) {
                // the default path then
            }
            warnUnknownKeys(properties);
            return;
        }
        server = new TurnServer(loops, s, background);
        scheduleAddressCheck();
        applied(s);
        warnUnknownKeys(properties);
    }

    /** The file is refused: {@code why} stays a Problem until a file is taken. */
    private synchronized void refuse(String why) {
        refusal = why;
        problems.set(problemLines());
    }

    /** {@code s} is in force: the refusal is over; external-ip pairs that match no relay address warned once. */
    private synchronized void applied(TurnSettings s) {
        refusal = null;
        warnAboutAddresses(s);
    }

    /** Logs each address warning once, says when one is over, and lists those in force as Problems. */
    private synchronized void warnAboutAddresses(TurnSettings s) {
        List<String> warnings = new ArrayList<>(RelayAddresses.notOnThisHost(s));
        warnings.addAll(RelayAddresses.unmatchedExternal(s));
        for (String w : warnings) {
            if (!addressWarnings.contains(w)) {
                TurnServer.LOG.warn("TURN: {}", w);
            }
        }
        for (String w : addressWarnings) {
            if (!warnings.contains(w) && w.contains(": relay-ip = '")) {
                TurnServer.LOG.info("TURN: no longer so: {}", w);
            }
        }
        addressWarnings = warnings;
        problems.set(problemLines());
    }

    private synchronized void scheduleAddressCheck() {
        if (addressCheck == null) {
            addressCheck = background.scheduleWithFixedDelay(this::checkAddresses, 10, 10, TimeUnit.SECONDS);
        }
    }

    /** The addresses of this host change without the file changing (failover, an interface coming up). */
    private void checkAddresses() {
        TurnServer s = server;
        if (s != null && refusal == null) {
            warnAboutAddresses(s.settings());
            s.refreshOwnAddresses();
        }
    }

    /** Each line starts with the file and key, as every bundle's Problems do (the log lines keep their "TURN: "). */
    private List<String> problemLines() {
        List<String> lines = new ArrayList<>();
        if (refusal != null) {
            lines.add(refusal);
        }
        lines.addAll(addressWarnings);
        return lines;
    }

    /** The Problems in force, as gatehouse:status lists them. */
    List<String> problems() {
        return problems.lines();
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(TurnServer.LOG::warn, TurnSettings.PID, p, () -> enabled(p), () -> TurnSettings.read(p));
    }

    @Modified
    void modified(Map<String, Object> properties) {
        boolean on;
        TurnSettings s;
        try {
            // Every key checked before any is applied: a bad value leaves all of them as they were.
            on = enabled(properties);
            s = TurnSettings.read(properties);
            if (server != null) {
                server.apply(s);
            }
        } catch (InvalidSettingException e) {
            if (server == null) {
                TurnServer.LOG.error("{}; TURN stays off until the file is fixed", e.getMessage());
                refuse(e.getMessage() + "; TURN is off until the file is fixed (STUN goes on)");
            } else {
                TurnServer.LOG.error("{}; keeping the running TURN configuration", e.getMessage());
                refuse(e.getMessage() + "; TURN is running on the previous settings");
            }
            return;
        }
        if (server == null) {
            // The first file taken since a refused start: the relay starts now.
            server = new TurnServer(loops, s, background);
            scheduleAddressCheck();
            TurnServer.LOG.info("TURN: {} is taken", s.source());
        }
        applied(s);
        warnUnknownKeys(properties);
        enable(on);
    }

    private static boolean enabled(Map<String, Object> properties) throws InvalidSettingException {
        return Settings.of(TurnSettings.PID, properties).bool("enabled", true);
    }

    private void enable(Map<String, Object> properties) {
        boolean on;
        try {
            on = enabled(properties);
        } catch (InvalidSettingException e) {
            TurnServer.LOG.error("{}; TURN stays {}", e.getMessage(), handler == null ? "off" : "on");
            return;
        }
        enable(on);
    }

    /** Registers the handler: TURN requests come here (and, while nothing is in force, get {@link NoRelay}'s answers). */
    private synchronized void register() {
        if (context != null && handler == null) {
            handler = context.registerService(TurnHandler.class, this, null);
        }
    }

    /** Registers the handler (TURN on) or withdraws it and ends every allocation (TURN off). */
    private synchronized void enable(boolean on) {
        boolean wasOn = enabled;
        enabled = on;
        if (context == null) {
            return;
        }
        if (on && (handler == null || !wasOn)) {
            server.allocating(true, null);
            register();
            TurnServer.LOG.info("TURN: on");
        } else if (!on && handler != null) {
            try {
                handler.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
            handler = null;
            server.endDraining();
            int ended = server.allocating(false, "TURN turned off");
            TurnServer.LOG.info("TURN: off (enabled = false): STUN only; {} allocation(s) ended", ended);
        } else if (!on && wasOn) {
            server.allocating(false, "TURN turned off");
            TurnServer.LOG.info("TURN: off (enabled = false): STUN only");
        }
    }

    /** What the shell and the status page say: set with the handler, read without the lock. */
    private volatile boolean enabled = true;

    @Deactivate
    synchronized void deactivate() {
        if (addressCheck != null) {
            addressCheck.cancel(false);
            addressCheck = null;
        }
        if (handler != null) {
            try {
                handler.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
            handler = null;
        }
        problems.clear();
        TurnServer s = server;
        if (s != null) {
            s.close();
        }
        background.shutdownNow();
        // The I/O threads are core's and outlive this bundle: what they hold of it goes with it.
        for (EventExecutor loop : loops.group()) {
            try {
                loop.execute(() -> {
                    Answers.forgetOnThisThread();
                    ClientFlusher.forgetOnThisThread();
                });
            } catch (RejectedExecutionException e) {
                // the loops are stopping too
            }
        }
    }

    TurnServer server() {
        return server;
    }

    // ---- TurnHandler: straight through, per packet

    @Override
    public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress client) {
        TurnServer s = server;
        if (s != null) {
            s.onMessage(message, connection, client);
        } else {
            noRelay.onMessage(message, connection, client);
        }
    }

    @Override
    public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client) {
        TurnServer s = server;
        if (s != null) {
            s.onChannelData(frame, connection, client);
        }
    }

    @Override
    public boolean holdsAllocation(StunConnection connection) {
        TurnServer s = server;
        return s != null && s.holdsAllocation(connection);
    }

    @Override
    public void onClosed(StunConnection connection) {
        TurnServer s = server;
        if (s != null) {
            s.onClosed(connection);
        }
    }

    // ---- TurnAdmin

    @Override
    public List<AllocationInfo> allocations() {
        TurnServer s = server;
        return s == null ? List.of() : s.allocations();
    }

    @Override
    public boolean kill(long id) {
        TurnServer s = server;
        return s != null && s.kill(id);
    }

    @Override
    public Draining draining() {
        TurnServer s = server;
        return s == null ? null : s.draining();
    }

    @Override
    public Draining drain(boolean on) {
        TurnServer s = server;
        if (s == null) {
            throw new IllegalStateException("TURN relays nothing (" + refusal + "): there is nothing to drain");
        }
        if (on && !enabled) {
            throw new IllegalStateException("TURN is off (enabled = false in etc/org.gatehouse.turn.cfg): no allocation is made here, "
                    + "there is nothing to drain");
        }
        return s.drain(on);
    }

    @Override
    public TurnStatistics statistics() {
        TurnServer s = server;
        if (s == null) {
            long answers = noRelay.answers.sum();
            return new TurnStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, answers);
        }
        return s.statistics();
    }

    /** While nothing is in force: {@link #NO_REALM}. */
    @Override
    public String realm() {
        TurnServer s = server;
        return s == null ? NO_REALM : s.settings().realm();
    }

    /** What {@link #realm()} says while the file refused at start leaves no realm in force. */
    static final String NO_REALM = "none in force (the configuration file is refused)";

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public String configurationProblem() {
        return refusal;
    }

    // ---- TurnUsers

    @Override
    public Path file() {
        TurnServer s = server;
        return s == null ? userdbNamed : s.users().path();
    }

    @Override
    public List<String> users() {
        TurnServer s = server;
        return s == null ? List.of() : s.users().names(s.settings().realm());
    }

    @Override
    public int usersInRealm() {
        TurnServer s = server;
        return s == null ? 0 : s.users().count(s.settings().realm());
    }

    @Override
    public SortedMap<String, Integer> linesForOtherRealms() {
        TurnServer s = server;
        return s == null ? new TreeMap<>() : s.users().otherRealms(s.settings().realm());
    }

    /**
     * A user written while the file is refused would be for a realm that may not be the one in force
     * once it is fixed (or, refused at start, for none): refused, nothing written.
     */
    private TurnServer usersWritable() {
        String why = refusal;
        TurnServer s = server;
        if (why != null || s == null) {
            throw new IllegalArgumentException(why + "; " + REFUSED_USERS);
        }
        return s;
    }

    static final String REFUSED_USERS = "nothing written while that file is refused (a user's key is made with its realm): fix it first";

    @Override
    public void add(String user, String password, String realm) throws IOException {
        TurnServer server = usersWritable();
        String configured = server.settings().realm();
        server.users().add(user, password, realm == null || realm.isBlank() ? configured : realm, configured);
        server.usersChanged();
        TurnServer.LOG.info("TURN: user {} added for realm {} in {}", user, realm == null || realm.isBlank() ? configured : realm,
                server.users().path());
    }

    @Override
    public boolean remove(String user) throws IOException {
        TurnServer server = usersWritable();
        boolean removed = server.users().remove(user);
        if (removed) {
            server.usersChanged();
            TurnServer.LOG.info("TURN: user {} removed from {}", user, server.users().path());
        }
        return removed;
    }
}
