package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.AsyncAuthException;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.SessionFactory;
import org.gatehouse.core.Listener;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.core.net.ListenerMove;
import org.gatehouse.core.net.ListenerRetry;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH listener of {@code etc/org.gatehouse.ssh.cfg}: Gogo sessions for administrators on the
 * management networks. Connections from elsewhere are closed as they are accepted, before any SSH
 * byte is exchanged; open sessions from a network that {@code management-networks} no longer lists
 * end when that change applies. A changed listen address or idle timeout binds a new listener (open sessions
 * end); changed key or user files apply to the next login; a bad value is refused with one line and
 * the listener keeps running as it was. Inside Apache Karaf it stays off whatever the file says:
 * Karaf's own SSH console is the shell there, with Karaf's users, roles and command permissions,
 * which a second shell beside it would bypass.
 */
@Component(name = SshSettings.PID, configurationPid = SshSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = SshSettings.class)
public final class SshServerComponent {

    private static final Logger LOG = LoggerFactory.getLogger(SshServerComponent.class);
    /** Refused connections: a line per source address (IPv6: per /64) per minute, for up to 1,000 at a time. */
    private final LogGate<Object> refusals = new LogGate<>(60, 1000);

    private final CommandProcessor processor;
    private final ManagementNetworks managementNetworks;
    private final BundleContext context;
    private final KeyFiles keys;
    private final boolean offInKaraf;
    private SshConfiguration configuration;
    private SshServer server;
    private ServiceRegistration<Listener> registration;
    /** The SSH file refused, for gatehouse:status. */
    private final ProblemSlot refused;
    /** The listen address asked for that could not be opened, for gatehouse:status. */
    private final ProblemSlot notListening;
    /** Tries again the listen address that could not be opened. */
    private final ListenerRetry retry;
    /** The settings of the last change: what a retry opens, as long as no other change came since. */
    private SshConfiguration asked;
    /** Stops listening for changes of the management networks (etc/org.gatehouse.core.cfg applied). */
    private final Runnable stopWatchingNetworks;

    @Activate
    public SshServerComponent(@Reference(name = "processor") CommandProcessor processor, @Reference(name = "management-networks") ManagementNetworks managementNetworks,
            BundleContext context, Map<String, Object> properties) {
        this(processor, managementNetworks, context, properties, ListenerRetry.INTERVAL_SECONDS * 1000L);
    }

    /** {@code retryMillis}: between tries of a listen address that could not be opened (shorter in tests). */
    SshServerComponent(CommandProcessor processor, ManagementNetworks managementNetworks, BundleContext context,
            Map<String, Object> properties, long retryMillis) {
        this.processor = processor;
        this.managementNetworks = managementNetworks;
        this.context = context;
        this.keys = new KeyFiles(InstallationPaths.data().resolve("ssh"));
        this.offInKaraf = InstallationPaths.inKaraf();
        this.refused = new ProblemSlot(context);
        this.notListening = new ProblemSlot(context);
        this.retry = new ListenerRetry("gatehouse-ssh-listen-retry", this, retryMillis);
        this.stopWatchingNetworks = ManagementNetworks.whenChanged(context, this::closeSessionsOutsideManagementNetworks);
        if (offInKaraf) {
            LOG.info("SSH: off inside Apache Karaf: Karaf's own SSH console (bin/client, sshPort in etc/org.apache.karaf.shell.cfg)"
                    + " is the shell, with every Gatehouse command; etc/{}.cfg is not read", SshSettings.PID);
            return;
        }
        try {
            apply(SshConfiguration.of(properties));
            warnUnknownKeys(properties);
        } catch (InvalidSettingException e) {
            apply(withoutRefusedKeys(properties, e));
        }
    }

    /**
     * A file refused at start (nothing runs yet): the rest of it applies, each refused key at its
     * built-in default (local-client-key off), so that a typo in one key does not leave a headless
     * server without its shell, through which the Problem would be read.
     */
    private SshConfiguration withoutRefusedKeys(Map<String, Object> properties, InvalidSettingException first) {
        Settings.Partial<SshConfiguration> read = Settings.withoutRefusedKeys(properties, first, SshConfiguration::of,
                key -> key.equals(SshSettings.LOCAL_CLIENT_KEY) ? "false" : null);
        List<String> lines = new ArrayList<>();
        List<InvalidSettingException> refusals = read.refused();
        for (int i = 0; i < refusals.size(); i++) {
            InvalidSettingException e = refusals.get(i);
            // The last refusal of a file that could not be read at all: the built-in settings (loopback).
            boolean unread = read.settings() == null && i == refusals.size() - 1;
            String instead = unread ? "the built-in SSH settings" : e.key().equals(SshSettings.LOCAL_CLIENT_KEY) ? e.key() + " off"
                    : e.key() + " at its built-in default";
            lines.add(e.getMessage() + "; " + instead + " until the file is fixed" + (unread ? "" : ", the rest of it applies"));
        }
        lines.forEach(LOG::error);
        refused.set(lines);
        try {
            return read.settings() != null ? read.settings() : SshConfiguration.of(Map.of(SshSettings.LOCAL_CLIENT_KEY, "false"));
        } catch (InvalidSettingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        if (offInKaraf) {
            return;
        }
        try {
            apply(SshConfiguration.of(properties));
            refused.clear();
            warnUnknownKeys(properties);
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping {}", e.getMessage(), server == null ? "SSH off" : "SSH as it was");
            refused.refused(e.getMessage(), "keeping " + (server == null ? "SSH off" : "SSH as it was"));
        }
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, SshSettings.PID, p, () -> SshConfiguration.of(p));
    }

    @Deactivate
    synchronized void deactivate() {
        stopWatchingNetworks.run();
        retry.close();
        notListening.clear();
        refused.clear();
        if (!offInKaraf) {
            stop();
        }
    }

    private synchronized void apply(SshConfiguration next) {
        SshConfiguration previous = configuration;
        SshConfiguration askedBefore = asked;
        asked = next;
        retry.stop();
        if (server != null && next.sameListener(previous)) {
            notListening.clear();
            inPlace(next);
            return;
        }
        if (server != null && next.listen() != null && next.sameListener(askedBefore)) {
            // Still asking for the address that could not be opened: the listener kept in its place
            // stays, its sessions with it; the rest of the change applies to it, and the address is
            // tried again (its Problem stays).
            inPlace(next.withListen(previous.listen()));
            retry.retry(() -> asked == next && listenAgain(next));
            return;
        }
        notListening.clear();
        if (next.listen() == null) {
            stop();
            configuration = next;
            LOG.info("{}: SSH is off (listen is empty)", next.source());
            return;
        }
        if (server != null) {
            // The new listener opens before the old one closes: one that cannot be had (a port another
            // program holds, an address this host lacks) leaves the old one serving, sessions and all.
            int keptPort = server.getPort();
            try {
                replaceListener(next, "");
                return;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                if (!ListenerMove.addressInUse(e) || next.listen().getPort() != keptPort
                        || previous != null && !ListenerMove.overlap(previous.listen().getAddress(), next.listen().getAddress())) {
                    inPlace(next.withListen(previous.listen()));
                    notOpened(next, e, true);
                    return;
                }
                // The old listener holds the port itself (the same port, an address it covers or that
                // covers it): it closes first, and opens again if the new one still cannot be had. On
                // an address apart from it, another program holds the port: closing would only end
                // the sessions.
            }
        }
        Exception failed = closeThenOpen(next, previous == null ? null : previous.listen(), "");
        if (failed != null) {
            notOpened(next, failed, server != null);
        }
    }

    /**
     * Closes the listener in force (if any) and opens {@code next}'s; when that cannot be opened, the
     * one at {@code fallback} is opened again, with the rest of {@code next} (keys, users): the
     * operator may have no other way in. Returns why {@code next}'s could not be opened, or null.
     */
    private Exception closeThenOpen(SshConfiguration next, InetSocketAddress fallback, String note) {
        stop();
        configuration = next;
        try {
            start(next, note);
            return null;
        } catch (IOException | GeneralSecurityException e) {
            stop();
            if (fallback != null) {
                SshConfiguration kept = next.withListen(fallback);
                try {
                    start(kept, "");
                    configuration = kept;
                } catch (IOException | GeneralSecurityException again) {
                    stop();
                }
            }
            return e;
        }
    }

    /** Authentication and idle timeout of {@code c} applied to the listener in force, whose sessions stay. */
    private void inPlace(SshConfiguration c) {
        try {
            configureAuthentication(server, c);
            // Sessions read it from the server on each timeout check: open ones get the new limit too.
            CoreModuleProperties.IDLE_TIMEOUT.set(server, c.idleTimeout());
            configuration = c;
        } catch (IOException | GeneralSecurityException e) {
            LOG.error("{}: cannot read the SSH keys in {}: {}; keeping the previous settings", c.source(), keys.hostKeyFile().getParent(), e.toString());
        }
    }

    /** {@code next}'s listen address could not be opened: one log line, a Problem, and tries again until it opens or another change comes. */
    private void notOpened(SshConfiguration next, Exception e, boolean kept) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        LOG.error("{}: SSH cannot listen on {}: {}; {}", next.source(), IpAddresses.format(next.listen()), reason,
                kept ? "still listening on " + IpAddresses.format(boundAddress()) : "fix listen (is the port in use?)");
        // Logged once, it would soon be out of sight; tried again until it opens or another change comes.
        notListening.set(next.source() + ": " + SshSettings.LISTEN + ": cannot open " + IpAddresses.format(next.listen()) + " (" + reason + "); "
                + (kept ? "SSH still listens on " + IpAddresses.format(boundAddress()) + " instead" : "SSH is off meanwhile"));
        retry.retry(() -> asked == next && listenAgain(next));
    }

    /**
     * Tries {@code next}'s listen address again, logging nothing while it still cannot be opened; the
     * listener kept in its place serves until the new one is open, then closes (its sessions end, as at
     * any change of {@code listen}). Returns whether it is open.
     */
    private boolean listenAgain(SshConfiguration next) {
        InetSocketAddress kept = boundAddress();
        String note = ", which could not be opened before (tried again every " + ListenerRetry.INTERVAL_SECONDS + " s)";
        try {
            replaceListener(next, note);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (!heldByTheKeptWildcard(e, kept, next.listen()) || closeThenOpen(next, kept, note) != null) {
                return false;
            }
        }
        notListening.clear();
        if (kept != null) {
            LOG.info("SSH: stopped listening on {} (kept while {} could not be opened)", IpAddresses.format(kept), IpAddresses.format(next.listen()));
        }
        return true;
    }

    /**
     * Whether {@code wanted} could not be opened only because the wildcard listener kept in its place
     * ({@code kept}) holds its port: the address has come to this host since (it can be bound on
     * another port), and a wildcard holds the port on every address. Then the wildcard closes first.
     * Anything else (another program on the port, the address still missing) leaves the kept listener
     * alone: closing it at every try would end its sessions every few seconds.
     */
    private static boolean heldByTheKeptWildcard(Exception e, InetSocketAddress kept, InetSocketAddress wanted) {
        if (kept == null || !kept.getAddress().isAnyLocalAddress() || kept.getPort() != wanted.getPort()
                || wanted.getAddress().isAnyLocalAddress() || !ListenerMove.addressInUse(e)) {
            return false;
        }
        // 0.0.0.0 holds IPv4 addresses only ([::] is dual-stack): an IPv6 address in use beside it is another program's.
        if (kept.getAddress() instanceof Inet4Address && !(wanted.getAddress() instanceof Inet4Address)) {
            return false;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(wanted.getAddress(), 0), 1);
            return true;
        } catch (IOException stillMissing) {
            return false;
        }
    }

    /**
     * Opens {@code next}'s listener beside the one in force, which closes once it is open (its sessions
     * end, as at any change of {@code listen}); when it cannot be opened, the one in force stays and
     * the failure is thrown.
     */
    private void replaceListener(SshConfiguration next, String note) throws IOException, GeneralSecurityException {
        SshServer kept = server;
        ServiceRegistration<Listener> keptRegistration = registration;
        server = null;
        registration = null;
        try {
            start(next, note);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            server = kept;
            registration = keptRegistration;
            throw e;
        }
        configuration = next;
        stop(kept, keptRegistration);
    }

    /** {@code note}: appended to the log line that says where the shell listens. */
    private void start(SshConfiguration c, String note) throws IOException, GeneralSecurityException {
        KeyPair hostKey = keys.hostKey();
        SshServer s = SshServer.setUpDefaultServer();
        // Chosen here rather than through ServiceLoader, which cannot see into bundles.
        s.setIoServiceFactoryFactory(new Nio2ServiceFactoryFactory());
        s.setHost(c.listen().getAddress().getHostAddress());
        s.setPort(c.listen().getPort());
        s.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        s.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE, UserAuthPasswordFactory.INSTANCE));
        configureAuthentication(s, c);
        // Checked when MINA hands the accepted connection to the session factory: a refusal there
        // closes the socket. (Refused from an IoServiceEventListener, the socket stayed open: MINA
        // closes only a session it has made, and there it has made none yet.)
        s.setSessionFactory(new SessionFactory(s) {
            @Override
            public void sessionCreated(IoSession ioSession) throws Exception {
                refuseOutsideManagementNetworks(ioSession.getRemoteAddress());
                super.sessionCreated(ioSession);
            }
        });
        s.setShellFactory(channel -> new GogoChannel(processor, null));
        s.setCommandFactory((channel, command) -> new GogoChannel(processor, command));
        CoreModuleProperties.IDLE_TIMEOUT.set(s, c.idleTimeout());
        CoreModuleProperties.SERVER_IDENTIFICATION.set(s, "Gatehouse");
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            s.stop(true); // its I/O threads, started before the bind failed
            throw e;
        }
        server = s;
        InetSocketAddress bound = new InetSocketAddress(c.listen().getAddress(), s.getPort());
        if (context != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("protocol", "tcp");
            props.put("address", IpAddresses.format(bound));
            registration = context.registerService(Listener.class, new SshListener(bound), props);
        }
        writeListening(bound);
        LOG.info("SSH: Gogo shell on {} (host key {}), for the management networks {}{}", IpAddresses.format(bound),
                KeyFiles.fingerprint(hostKey.getPublic()), managementNetworks.networks(), note);
    }

    private void configureAuthentication(SshServer s, SshConfiguration c) throws IOException, GeneralSecurityException {
        PublicKey local = c.localClientKey() ? keys.clientKey() : null;
        s.setPublickeyAuthenticator(new KeyAuthenticator(c.authorizedKeys(), local));
        PasswordFile passwords = new PasswordFile(c.users());
        // A password costs a tenth of a second of PBKDF2: checked off the SSH I/O threads, which carry
        // every open shell, by a few threads with a short queue; an attempt that finds the queue full
        // is refused at once (a flood of guesses, not an administrator).
        s.setPasswordAuthenticator((user, password, session) -> {
            SocketAddress client = session.getClientAddress();
            if (failedLogins.blockedSeconds(client) > 0) {
                return false;
            }
            AsyncAuthException answer = new AsyncAuthException();
            try {
                PASSWORD_CHECKS.execute(() -> answer.setAuthed(checkPassword(passwords, user, password, client)));
            } catch (RejectedExecutionException busy) {
                return false;
            }
            throw answer;
        });
        // As OpenSSH's MaxAuthTries: a client gets 6 attempts per connection (MINA's own default is 20).
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(s, MAX_AUTH_REQUESTS);
    }

    static final int MAX_AUTH_REQUESTS = 6;

    /** On a password-check thread: whether {@code password} is {@code user}'s; a wrong one counts for {@code client}. */
    private boolean checkPassword(PasswordFile passwords, String user, String password, SocketAddress client) {
        if (failedLogins.blockedSeconds(client) > 0) {
            // Blocked while this attempt waited in the queue (guesses on parallel connections).
            return false;
        }
        boolean ok;
        try {
            ok = passwords.verify(user, password);
        } catch (IOException | RuntimeException e) {
            // The file's fault, not the client's: refused, not counted; said once a minute.
            if (unreadable.due() > 0) {
                LOG.error("SSH: cannot read {}: {}; password logins are refused until it can be read", passwords.file(), e.toString());
            }
            return false;
        }
        if (!ok && failedLogins.failed(client)) {
            LOG.warn("SSH: {} failed password logins from {} within {} s: its passwords are refused unchecked for {} s", FailedLogins.LIMIT,
                    client instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : client, FailedLogins.WINDOW_SECONDS,
                    failedLogins.blockedSeconds(client));
        }
        return ok;
    }

    /** Kept across configuration changes and restarts of the listener, as long as the bundle runs. */
    private final FailedLogins failedLogins = new FailedLogins();
    /** An unreadable users file is said at most once a minute. */
    private final LogGate<Object> unreadable = new LogGate<>(60, 1);

    /** Password checks (PBKDF2): two threads, up to 32 waiting; shared by every listener this bundle opens. */
    private static final ThreadPoolExecutor PASSWORD_CHECKS = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(32), r -> {
                Thread t = new Thread(r, "gatehouse-ssh-password");
                t.setDaemon(true);
                return t;
            });

    static {
        PASSWORD_CHECKS.allowCoreThreadTimeOut(true);
    }

    /** Whether the management networks list {@code remote}'s address. */
    private boolean permitted(SocketAddress remote) {
        return remote instanceof InetSocketAddress a && a.getAddress() != null
                && managementNetworks.permits(IpAddresses.canonical(a.getAddress()));
    }

    private static String describe(SocketAddress remote) {
        return remote instanceof InetSocketAddress a ? IpAddresses.format(a) : String.valueOf(remote);
    }

    private void refuseOutsideManagementNetworks(SocketAddress remote) throws IOException {
        if (permitted(remote)) {
            return;
        }
        String who = describe(remote);
        // At most a line a minute per source address: a scanner of an SSH port open to the world
        // cannot fill the log. INFO: a stranger turned away is no fault of the server's.
        long count = refusals.due(refusalKey(remote));
        if (count > 0) {
            LOG.info("SSH: refused connection from {}: not in management-networks {} (etc/org.gatehouse.core.cfg){}", who,
                    managementNetworks.networks(), count > 1 ? "; " + count + " from its address (IPv6: its /64) since the last such line" : "");
        }
        throw new IOException("SSH connection from " + who + " refused: outside the management networks");
    }

    /**
     * Ends the open sessions whose client the management networks no longer list: taking a network
     * off the list takes its administrators off the shell, not only their next connection. One log
     * line per session ended.
     */
    synchronized void closeSessionsOutsideManagementNetworks() {
        if (server == null) {
            return;
        }
        for (Session session : server.getActiveSessions()) {
            SocketAddress remote = session.getIoSession().getRemoteAddress();
            if (!permitted(remote)) {
                LOG.warn("SSH: ended the session of {} from {}: no longer in management-networks {} (etc/org.gatehouse.core.cfg)",
                        session.getUsername() == null ? "a client not logged in" : session.getUsername(), describe(remote),
                        managementNetworks.networks());
                session.close(true);
            }
        }
    }

    /** Keyed as failed logins are: an IPv6 client by its /64, all of which it may cycle through. */
    static Object refusalKey(SocketAddress remote) {
        return remote instanceof InetSocketAddress a && a.getAddress() != null
                ? IpAddresses.clientKey(IpAddresses.canonical(a.getAddress()), 64) : remote;
    }

    private void writeListening(InetSocketAddress bound) {
        try {
            keys.writeListening(IpAddresses.format(bound));
        } catch (IOException | RuntimeException e) {
            LOG.warn("SSH: cannot write {} (bin/client reads the shell's address there; it falls back to listen in etc/org.gatehouse.ssh.cfg): {}",
                    keys.listeningFile(), e.toString());
        }
    }

    private void stop() {
        try {
            Files.deleteIfExists(keys.listeningFile());
        } catch (IOException | RuntimeException e) {
            LOG.debug("SSH: cannot delete {}: {}", keys.listeningFile(), e.toString());
        }
        stop(server, registration);
        registration = null;
        server = null;
    }

    private static void stop(SshServer server, ServiceRegistration<Listener> registration) {
        if (registration != null) {
            registration.unregister();
        }
        if (server != null) {
            try {
                server.stop(true);
            } catch (IOException e) {
                LOG.warn("SSH: stopping the listener: {}", e.toString());
            }
        }
    }

    /** For tests: the listen address that could not be opened, as listed under Problems, or null. */
    synchronized String problem() {
        return notListening.text();
    }

    /** For tests: the lines of a file refused. */
    synchronized List<String> refusals() {
        return refused.lines();
    }

    /** The bound address, for tests that listen on port 0. */
    synchronized InetSocketAddress boundAddress() {
        return server == null ? null : new InetSocketAddress(configuration.listen().getAddress(), server.getPort());
    }

    Path hostKeyFile() {
        return keys.hostKeyFile();
    }

    private record SshListener(InetSocketAddress address) implements Listener {
        @Override
        public String name() {
            return "ssh";
        }

        @Override
        public String protocol() {
            return "tcp";
        }
    }
}
