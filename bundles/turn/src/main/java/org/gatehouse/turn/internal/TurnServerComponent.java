package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.turn.AllocationInfo;
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
 * a configuration with a bad value is refused whole, with one log line naming the file and key.
 * {@code enabled = false} (the appliance wizard's "TURN: disable") withdraws the handler, so the
 * responder answers STUN only, and ends every allocation; {@code true} puts it back.
 */
@Component(name = "org.gatehouse.turn.server", configurationPid = TurnSettings.PID, immediate = true,
        service = {TurnAdmin.class, TurnUsers.class})
@Designate(ocd = TurnConfiguration.class)
public final class TurnServerComponent implements TurnHandler, TurnAdmin, TurnUsers {

    @Reference
    EventLoops loops;

    private TurnServer server;
    private BundleContext context;
    private ServiceRegistration<TurnHandler> handler;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        start(properties);
        enable(properties);
    }

    /** Starts the relay without registering it (tests outside OSGi; also the first step of activation). */
    void start(Map<String, Object> properties) {
        TurnSettings s;
        try {
            s = TurnSettings.read(properties);
        } catch (InvalidSettingException e) {
            TurnServer.LOG.error("{}; using the built-in TURN defaults", e.getMessage());
            s = TurnSettings.defaults();
        }
        server = new TurnServer(loops, s);
        warnUnknownKeys(properties);
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(TurnServer.LOG::warn, TurnSettings.PID, p, () -> enabled(p), () -> TurnSettings.read(p));
    }

    @Modified
    void modified(Map<String, Object> properties) {
        boolean on;
        try {
            // Every key checked before any is applied: a bad value leaves all of them as they were.
            on = enabled(properties);
            server.apply(TurnSettings.read(properties));
        } catch (InvalidSettingException e) {
            TurnServer.LOG.error("{}; keeping the running TURN configuration", e.getMessage());
            return;
        }
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

    /** Registers the handler (TURN on) or withdraws it and ends every allocation (TURN off). */
    private synchronized void enable(boolean on) {
        boolean wasOn = enabled;
        enabled = on;
        if (context == null) {
            return;
        }
        if (on && handler == null) {
            handler = context.registerService(TurnHandler.class, this, null);
            TurnServer.LOG.info("TURN: on");
        } else if (!on && handler != null) {
            try {
                handler.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
            handler = null;
            int ended = 0;
            for (AllocationInfo a : server.allocations()) {
                if (server.kill(a.id())) {
                    ended++;
                }
            }
            TurnServer.LOG.info("TURN: off (enabled = false): STUN only; {} allocation(s) ended", ended);
        } else if (!on && wasOn) {
            TurnServer.LOG.info("TURN: off (enabled = false): STUN only");
        }
    }

    /** What the shell and the status page say: set with the handler, read without the lock. */
    private volatile boolean enabled = true;

    @Deactivate
    synchronized void deactivate() {
        if (handler != null) {
            try {
                handler.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
            handler = null;
        }
        server.close();
    }

    TurnServer server() {
        return server;
    }

    // ---- TurnHandler: straight through, per packet

    @Override
    public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress client) {
        server.onMessage(message, connection, client);
    }

    @Override
    public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client) {
        server.onChannelData(frame, connection, client);
    }

    @Override
    public void onClosed(StunConnection connection) {
        server.onClosed(connection);
    }

    // ---- TurnAdmin

    @Override
    public List<AllocationInfo> allocations() {
        return server.allocations();
    }

    @Override
    public boolean kill(long id) {
        return server.kill(id);
    }

    @Override
    public TurnStatistics statistics() {
        return server.statistics();
    }

    @Override
    public String realm() {
        return server.settings().realm();
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    // ---- TurnUsers

    @Override
    public Path file() {
        return server.users().path();
    }

    @Override
    public List<String> users() {
        return server.users().names(server.settings().realm());
    }

    @Override
    public int usersInRealm() {
        return server.users().count(server.settings().realm());
    }

    @Override
    public SortedMap<String, Integer> linesForOtherRealms() {
        return server.users().otherRealms(server.settings().realm());
    }

    @Override
    public void add(String user, String password, String realm) throws IOException {
        String configured = server.settings().realm();
        server.users().add(user, password, realm == null || realm.isBlank() ? configured : realm, configured);
        server.usersChanged();
        TurnServer.LOG.info("TURN: user {} added for realm {} in {}", user, realm == null || realm.isBlank() ? configured : realm,
                server.users().path());
    }

    @Override
    public boolean remove(String user) throws IOException {
        boolean removed = server.users().remove(user);
        if (removed) {
            server.usersChanged();
            TurnServer.LOG.info("TURN: user {} removed from {}", user, server.users().path());
        }
        return removed;
    }
}
