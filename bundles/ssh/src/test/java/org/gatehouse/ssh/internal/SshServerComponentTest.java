package org.gatehouse.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.gatehouse.core.CapturedLog;
import org.gatehouse.core.IsolatedNetwork;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.net.AddressSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH listener against MINA SSHD's own client on loopback, with a real Gogo command processor. */
class SshServerComponentTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path home;

    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private SshClient client;
    private SshServerComponent component;
    private String oldHome;

    /** A stand-in for gatehouse:status: prints through System.out as the real commands do. */
    public static final class StatusCommand {
        public void status() {
            System.out.println("Gatehouse status: all well");
        }

        public void fail() {
            throw new IllegalStateException("broken on purpose");
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        oldHome = System.setProperty("gatehouse.home", home.toString());
        System.clearProperty("gatehouse.data");
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        processor.addCommand("gatehouse", new StatusCommand(), "status");
        processor.addCommand("gatehouse", new StatusCommand(), "fail");
        SshUserCommand.Add add = new SshUserCommand.Add();
        add.configure(Map.of());
        processor.addCommand("ssh", add, "user-add");
        client = SshClient.setUpDefaultClient();
        client.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (component != null) {
            component.deactivate();
        }
        client.stop();
        processor.stop();
        threadIO.stop();
        if (oldHome == null) {
            System.clearProperty("gatehouse.home");
        } else {
            System.setProperty("gatehouse.home", oldHome);
        }
    }

    /** A loopback port free a moment ago: a fixed port the test can listen on again. */
    private static int freeLoopbackPort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private SshServerComponent start(String managementNetworks, Map<String, Object> extra) {
        ManagementNetworks networks = () -> AddressSet.parse(List.of(managementNetworks.split(",\\s*")));
        Map<String, Object> props = new HashMap<>(extra);
        props.putIfAbsent("listen", "127.0.0.1:0");
        component = new SshServerComponent(processor, networks, null, props);
        assertNotNull(component.boundAddress(), "listening");
        return component;
    }

    @Test
    void insideKarafItStaysOffAndMakesNoKeys() throws Exception {
        // Karaf sets karaf.home and no gatehouse.home; Karaf's own SSH console is the shell there.
        System.clearProperty("gatehouse.home");
        String oldKarafHome = System.setProperty("karaf.home", home.toString());
        String oldKarafData = System.setProperty("karaf.data", home.resolve("data").toString());
        try {
            ManagementNetworks networks = () -> AddressSet.parse(List.of("127.0.0.0/8"));
            component = new SshServerComponent(processor, networks, null, Map.of("listen", "127.0.0.1:0"));
            assertNull(component.boundAddress());
            component.modified(Map.of("listen", "127.0.0.1:0"));
            assertNull(component.boundAddress());
            assertFalse(Files.exists(home.resolve("data/ssh")), "keys made in Karaf's data/ssh");
        } finally {
            restore("karaf.home", oldKarafHome);
            restore("karaf.data", oldKarafData);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private ClientSession connect(String user, AtomicReference<PublicKey> serverKey) throws IOException {
        InetSocketAddress a = component.boundAddress();
        client.setServerKeyVerifier((session, remote, key) -> {
            if (serverKey != null) {
                serverKey.set(key);
            }
            return true;
        });
        return client.connect(user, a.getHostString(), a.getPort()).verify(WAIT).getSession();
    }

    private ClientSession loginWithKey(String user, KeyPair key) throws IOException {
        ClientSession s = connect(user, null);
        s.addPublicKeyIdentity(key);
        s.auth().verify(WAIT);
        return s;
    }

    private KeyPair authorizedKey() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        Path file = home.resolve("etc/ssh/authorized_keys");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "# operators\n" + PublicKeyEntry.toString(key.getPublic()) + " alice@laptop\n");
        return key;
    }

    private static Result exec(ClientSession s, String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec c = s.createExecChannel(command)) {
            c.setOut(out);
            c.setErr(err);
            c.open().verify(WAIT);
            c.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
            return new Result(c.getExitStatus(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    private record Result(Integer status, String out, String err) {
    }

    @Test
    void publicKeyLoginRunsACommandAndReturnsItsOutputAndStatus() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        try (ClientSession s = loginWithKey("alice", key)) {
            Result ok = exec(s, "gatehouse:status");
            assertEquals(0, ok.status(), ok.toString());
            assertEquals("Gatehouse status: all well\n", ok.out());

            Result failed = exec(s, "gatehouse:fail");
            assertEquals(1, failed.status(), failed.toString());
            assertTrue(failed.err().contains("broken on purpose"), failed.err());

            Result unknown = exec(s, "no:such-command");
            assertEquals(1, unknown.status(), unknown.toString());
            assertTrue(unknown.err().contains("no:such-command"), unknown.err());
        }
    }

    @Test
    void anUnlistedKeyIsRefused() throws Exception {
        authorizedKey();
        start("127.0.0.0/8", Map.of());
        KeyPair stranger = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        assertThrows(IOException.class, () -> loginWithKey("alice", stranger).close());
    }

    /**
     * A line that cannot be read (a key pasted with a line break in it) is one WARN naming the file and
     * line; the other keys still log in (the library refused every key of such a file, silently).
     */
    @Test
    void aBadLineInAuthorizedKeysLeavesTheOtherKeys() throws Exception {
        KeyPair key = authorizedKey();
        Path file = home.resolve("etc/ssh/authorized_keys");
        // A wrapped key, and a comment written in Latin-1 (not UTF-8): neither keeps the other keys out.
        Files.write(file, (Files.readString(file) + "AAAAC3NzaC1lZDI1NTE5AAAAIwrapped\n# Jos\u00e9's laptop\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        start("127.0.0.0/8", Map.of());
        try (CapturedLog log = new CapturedLog()) {
            try (ClientSession s = loginWithKey("alice", key)) {
                assertEquals("Gatehouse status: all well\n", exec(s, "gatehouse:status").out());
            }
            assertTrue(log.lines("WARN").stream().anyMatch(l -> l.contains(file + " line 3 is not a key")), log.lines().toString());
        }
    }

    /**
     * A key line with options (meant to restrict the key: a forced command, a source address) is
     * refused: they would not be applied, and the key would get the whole shell. The same key on a
     * line of its own logs in.
     */
    @Test
    void aKeyWithOptionsIsRefused() throws Exception {
        KeyPair key = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        Path file = home.resolve("etc/ssh/authorized_keys");
        Files.createDirectories(file.getParent());
        String entry = PublicKeyEntry.toString(key.getPublic()) + " monitor@nagios\n";
        Files.writeString(file, "command=\"gatehouse:status\",restrict " + entry);
        start("127.0.0.0/8", Map.of());
        assertThrows(IOException.class, () -> loginWithKey("monitor", key).close());

        Files.writeString(file, "from=\"127.0.0.1\" " + entry);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertThrows(IOException.class, () -> loginWithKey("monitor", key).close());

        Files.writeString(file, entry);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        try (ClientSession s = loginWithKey("monitor", key)) {
            assertEquals("Gatehouse status: all well\n", exec(s, "gatehouse:status").out());
        }
    }

    @Test
    void passwordSetWithUserAddLogsInAndAWrongOneIsRefused() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        try (ClientSession s = loginWithKey("alice", key)) {
            Result added = exec(s, "ssh:user-add bob 'correct horse'");
            assertEquals(0, added.status(), added.toString());
            assertTrue(added.out().contains("SSH user bob set in"), added.out());
        }
        String users = Files.readString(home.resolve("etc/ssh/users"));
        assertFalse(users.contains("correct horse"), "no clear text: " + users);
        assertTrue(users.contains("bob:pbkdf2-sha256:"), users);
        assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(home.resolve("etc/ssh/users")));

        try (ClientSession s = connect("bob", null)) {
            s.addPasswordIdentity("correct horse");
            s.auth().verify(WAIT);
            assertEquals("Gatehouse status: all well\n", exec(s, "gatehouse:status").out());
        }
        try (ClientSession s = connect("bob", null)) {
            s.addPasswordIdentity("wrong horse");
            assertThrows(IOException.class, () -> s.auth().verify(WAIT));
        }
        try (ClientSession s = connect("mallory", null)) {
            s.addPasswordIdentity("correct horse");
            assertThrows(IOException.class, () -> s.auth().verify(WAIT));
        }
        // As OpenSSH's MaxAuthTries: a few attempts per connection, not twenty.
        try (ClientSession s = connect("bob", null)) {
            s.addPasswordIdentity("wrong 1");
            s.addPasswordIdentity("wrong 2");
            s.addPasswordIdentity("correct horse");
            s.auth().verify(WAIT);
        }
        try (ClientSession s = connect("bob", null)) {
            for (int i = 0; i < SshServerComponent.MAX_AUTH_REQUESTS; i++) {
                s.addPasswordIdentity("wrong " + i);
            }
            s.addPasswordIdentity("correct horse");
            assertThrows(IOException.class, () -> s.auth().verify(WAIT), "cut off before the last one");
        }
    }

    /**
     * 10 wrong passwords from one address within 5 minutes: its passwords are refused unchecked for
     * the rest of them (a guesser gets 10 tries per 5 minutes, and cannot fill the checking threads'
     * queue); keys still log in.
     */
    @Test
    void tenWrongPasswordsFromAnAddressRefuseItsPasswordsForAWhile() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "ssh:user-add bob 'correct horse'").status());
        }
        for (int round = 0; round < 2; round++) {
            try (ClientSession s = connect("bob", null)) {
                for (int i = 0; i < FailedLogins.LIMIT / 2; i++) {
                    s.addPasswordIdentity("wrong " + round + i);
                }
                assertThrows(IOException.class, () -> s.auth().verify(WAIT));
            }
        }
        try (ClientSession s = connect("bob", null)) {
            s.addPasswordIdentity("correct horse");
            assertThrows(IOException.class, () -> s.auth().verify(WAIT), "refused unchecked after 10 failures");
        }
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "gatehouse:status").status(), "keys still log in");
        }
    }

    @Test
    void failedLoginsEndWithTheirWindow() throws Exception {
        FailedLogins f = new FailedLogins(1);
        InetSocketAddress a = new InetSocketAddress("2001:db8::1", 50000);
        InetSocketAddress sameSlash64 = new InetSocketAddress("2001:db8::2", 50001);
        for (int i = 0; i < FailedLogins.LIMIT - 1; i++) {
            assertFalse(f.failed(a));
        }
        assertEquals(0, f.blockedSeconds(a));
        assertTrue(f.failed(sameSlash64), "the /64 counts together");
        assertTrue(f.blockedSeconds(a) > 0);
        assertEquals(0, f.blockedSeconds(new InetSocketAddress("2001:db8:1::1", 1)), "another /64");
        Thread.sleep(1100);
        assertEquals(0, f.blockedSeconds(a), "the window has passed");
    }

    @Test
    void connectionsFromOutsideTheManagementNetworksAreRefusedBeforeAuthentication() throws Exception {
        KeyPair key = authorizedKey();
        start("10.0.0.0/8", Map.of());
        assertThrows(IOException.class, () -> loginWithKey("alice", key).close());
    }

    @Test
    void aConnectionFromOutsideTheManagementNetworksIsClosedAtOnce() throws Exception {
        start("10.0.0.0/8", Map.of());
        InetSocketAddress a = component.boundAddress();
        for (int i = 0; i < 3; i++) {
            try (java.net.Socket raw = new java.net.Socket(a.getAddress(), a.getPort())) {
                raw.setSoTimeout(3000);
                long t = System.nanoTime();
                int first;
                try {
                    first = raw.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    first = -1;
                } catch (java.net.SocketTimeoutException open) {
                    throw new AssertionError("the refused connection is still open after 3 s", open);
                }
                assertEquals(-1, first, "closed without a byte (no SSH banner)");
                assertTrue(System.nanoTime() - t < 2_000_000_000L, "closed at once");
            }
        }
    }

    /** Taking a network off management-networks ends its open sessions; sessions from networks still listed stay. */
    @Test
    void sessionsFromANetworkTakenOffTheListEnd() throws Exception {
        KeyPair key = authorizedKey();
        AtomicReference<AddressSet> listed = new AtomicReference<>(AddressSet.parse(List.of("127.0.0.0/8")));
        component = new SshServerComponent(processor, listed::get, null, Map.of("listen", "127.0.0.1:0"));
        try (ClientSession s = loginWithKey("alice", key)) {
            listed.set(AddressSet.parse(List.of("127.0.0.1/32", "10.0.0.0/8")));
            component.closeSessionsOutsideManagementNetworks();
            assertEquals(0, exec(s, "gatehouse:status").status(), "still listed: the session runs commands");

            try (CapturedLog log = new CapturedLog()) {
                listed.set(AddressSet.parse(List.of("10.0.0.0/8")));
                component.closeSessionsOutsideManagementNetworks();
                assertTrue(s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), WAIT)
                        .contains(ClientSession.ClientSessionEvent.CLOSED), "the session from 127.0.0.1 ended");
                assertEquals(1, log.lines("WARN").stream().filter(l -> l.contains("ended the session of alice from 127.0.0.1:")
                        && l.contains("no longer in management-networks 10.0.0.0/8")).count(), log.lines().toString());
            }
            assertThrows(IOException.class, () -> loginWithKey("alice", key).close(), "and a new one is refused");
        }
    }

    @Test
    void theHostKeyIsMadeOnceAndKeptAcrossRestarts() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        Path hostKey = home.resolve("data/ssh/host-key");
        byte[] stored = Files.readAllBytes(hostKey);
        assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(hostKey));
        AtomicReference<PublicKey> first = new AtomicReference<>();
        try (ClientSession s = connect("alice", first)) {
            s.addPublicKeyIdentity(key);
            s.auth().verify(WAIT);
        }
        String knownHosts = Files.readString(home.resolve("data/ssh/known_hosts"));
        assertEquals("gatehouse " + PublicKeyEntry.toString(first.get()) + "\n", knownHosts);

        component.deactivate();
        start("127.0.0.0/8", Map.of());
        AtomicReference<PublicKey> second = new AtomicReference<>();
        try (ClientSession s = connect("alice", second)) {
            s.addPublicKeyIdentity(key);
            s.auth().verify(WAIT);
        }
        assertTrue(KeyUtils.compareKeys(first.get(), second.get()), "same host key after a restart");
        assertArrayEquals(stored, Files.readAllBytes(hostKey), "host-key file untouched");
    }

    @Test
    void theLocalClientKeyIsAcceptedFromLoopbackUnlessTurnedOff() throws Exception {
        start("127.0.0.0/8", Map.of());
        Path clientKey = home.resolve("data/ssh/client-key");
        KeyPair local = new org.apache.sshd.common.keyprovider.FileKeyPairProvider(clientKey).loadKeys(null).iterator().next();
        try (ClientSession s = loginWithKey("operator", local)) {
            assertEquals("Gatehouse status: all well\n", exec(s, "gatehouse:status").out());
        }
        component.modified(Map.of("listen", "127.0.0.1:0", "local-client-key", "false"));
        assertThrows(IOException.class, () -> loginWithKey("operator", local).close());
    }

    @Test
    void anInteractiveShellReadsLinesAtThePrompt() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        try (ClientSession s = loginWithKey("alice", key)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PipedOutputStream keyboard = new PipedOutputStream();
            try (ChannelShell shell = s.createShellChannel()) {
                shell.setIn(new PipedInputStream(keyboard));
                shell.setOut(out);
                shell.setErr(out);
                shell.open().verify(WAIT);
                keyboard.write("gatehouse:status\r".getBytes(StandardCharsets.UTF_8));
                keyboard.write("gatehouse:statuz\u007fs\r".getBytes(StandardCharsets.UTF_8));
                keyboard.write("exit\r".getBytes(StandardCharsets.UTF_8));
                keyboard.flush();
                shell.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
                assertEquals(0, shell.getExitStatus());
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("g! gatehouse:status\r\nGatehouse status: all well\r\n"), text);
            // Backspace erased "z" on the terminal too; the command that ran was the corrected one.
            assertTrue(text.contains("\b \b"), text);
            assertEquals(2, text.split("Gatehouse status: all well", -1).length - 1, text);
        }
    }

    /** Only a change of listen binds the listener again; idle-timeout applies to the running one, sessions stay. */
    @Test
    void changingIdleTimeoutKeepsOpenSessions() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        InetSocketAddress before = component.boundAddress();
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "gatehouse:status").status());
            component.modified(Map.of("listen", "127.0.0.1:0", "idle-timeout", "5"));
            assertEquals(before, component.boundAddress(), "the same listener");
            assertEquals(0, exec(s, "gatehouse:status").status(), "the session open before the change still runs commands");
        }
    }

    /** A listen change to a port that is taken leaves SSH listening where it was: it may be the only way in. */
    @Test
    void aMoveToATakenPortKeepsSshListening() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            component.modified(Map.of("listen", "127.0.0.1:" + taken.getLocalPort()));
            assertNotNull(component.boundAddress(), "still listening");
            assertEquals(org.gatehouse.core.net.IpAddresses.format(component.boundAddress()) + "\n",
                    Files.readString(home.resolve("data/ssh/listening")), "bin/client finds the listener in force, not the refused address");
            try (ClientSession s = loginWithKey("alice", key)) {
                assertEquals(0, exec(s, "gatehouse:status").status());
            }
            Path none = Files.writeString(home.resolve("etc/ssh/no_keys"), "# nobody\n");
            component.modified(Map.of("listen", "127.0.0.1:" + taken.getLocalPort(), "authorized-keys", none.toString()));
            assertNotNull(component.boundAddress(), "still listening");
            assertThrows(Exception.class, () -> loginWithKey("alice", key).close(), "the rest of the change applies: alice's key is no longer listed");
        }
    }

    /**
     * The administrator's own session outlives a move to a port that cannot be had (the new listener is
     * tried before the old one closes) and any later change while SSH waits for that port.
     */
    @Test
    void sessionsOutliveAMoveThatCannotBeHadAndChangesMadeMeanwhile() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        InetSocketAddress before = component.boundAddress();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                ClientSession s = loginWithKey("alice", key)) {
            component.modified(Map.of("listen", "127.0.0.1:" + taken.getLocalPort()));
            assertEquals(before, component.boundAddress(), "the same listener, not one opened again");
            assertEquals(0, exec(s, "gatehouse:status").status(), "the session open before the move still runs commands");
            component.modified(Map.of("listen", "127.0.0.1:" + taken.getLocalPort(), "idle-timeout", "120"));
            assertEquals(before, component.boundAddress());
            assertEquals(0, exec(s, "gatehouse:status").status(), "nor does a change made while the port is waited for end it");
            assertTrue(component.problem().contains("cannot open 127.0.0.1:" + taken.getLocalPort()), "still a Problem: " + component.problem());
        }
    }

    /**
     * A file refused at start applies without the refused key: a typo in idle-timeout no longer leaves
     * a headless server without the shell through which its Problem would be read.
     */
    @Test
    void aKeyRefusedAtStartLeavesTheRestInForce() throws Exception {
        KeyPair key = authorizedKey();
        try (CapturedLog log = new CapturedLog()) {
            start("127.0.0.0/8", Map.of("idle-timeout", "30m", "local-client-key", "fasle"));
            assertEquals(2, component.refusals().size(), component.refusals().toString());
            assertTrue(log.lines("ERROR").stream().anyMatch(l -> l.contains("idle-timeout") && l.contains("at its built-in default")), log.lines().toString());
            assertTrue(log.lines("ERROR").stream().anyMatch(l -> l.contains("local-client-key") && l.contains(" off until")), log.lines().toString());
        }
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "gatehouse:status").status());
        }
    }

    /** Refused connections are said once a minute per IPv4 address, per /64 for IPv6 (a scanner may cycle through its /64). */
    @Test
    void refusalsAreCountedPerAddressAndPerIpv6Prefix() {
        assertEquals(SshServerComponent.refusalKey(new InetSocketAddress("2001:db8::1", 1)), SshServerComponent.refusalKey(new InetSocketAddress("2001:db8::2:3", 2)));
        assertNotEquals(SshServerComponent.refusalKey(new InetSocketAddress("2001:db8::1", 1)), SshServerComponent.refusalKey(new InetSocketAddress("2001:db8:0:1::1", 1)));
        assertNotEquals(SshServerComponent.refusalKey(new InetSocketAddress("192.0.2.1", 1)), SshServerComponent.refusalKey(new InetSocketAddress("192.0.2.2", 1)));
        assertEquals(SshServerComponent.refusalKey(new InetSocketAddress("::ffff:192.0.2.1", 1)), SshServerComponent.refusalKey(new InetSocketAddress("192.0.2.1", 5)));
    }

    /**
     * The same port on another address, held by another program: the listener in force does not hold
     * it, so it is not closed to try again (its sessions ended, and it was opened anew).
     */
    @Test
    void aMoveToThePortOnAnotherAddressHeldElsewhereKeepsTheSessions() throws Exception {
        KeyPair key = authorizedKey();
        ManagementNetworks networks = () -> AddressSet.parse(List.of("127.0.0.0/8"));
        int free = freeLoopbackPort();
        component = new SshServerComponent(processor, networks, null, Map.of("listen", "127.0.0.1:" + free), 200);
        InetSocketAddress before = component.boundAddress();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(free, 1, java.net.InetAddress.getByName("127.0.0.2"));
                ClientSession s = loginWithKey("alice", key);
                CapturedLog log = new CapturedLog()) {
            component.modified(Map.of("listen", "127.0.0.2:" + free));
            assertEquals(before, component.boundAddress());
            assertEquals(0, exec(s, "gatehouse:status").status(), "the session open before still runs commands");
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("stopped listening") || l.contains("SSH listening on")), log.lines().toString());
        }
    }

    /**
     * A listen port another program held when the file applied opens once it is free, without the
     * file being touched; listed under Problems until then.
     */
    @Test
    void aTakenListenPortOpensOnceItIsFree() throws Exception {
        KeyPair key = authorizedKey();
        ManagementNetworks networks = () -> AddressSet.parse(List.of("127.0.0.0/8"));
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            component = new SshServerComponent(processor, networks, null, Map.of("listen", "127.0.0.1:" + port), 200);
            assertNull(component.boundAddress());
            assertTrue(component.problem().startsWith("configuration org.gatehouse.ssh: listen: cannot open 127.0.0.1:" + port + " ("), component.problem());
            assertTrue(component.problem().endsWith("; SSH is off meanwhile"), component.problem());
            Thread.sleep(600);
            assertNull(component.boundAddress(), "still held");
        }
        waitFor(() -> component.boundAddress() != null, "SSH listening once the port is free");
        assertEquals(port, component.boundAddress().getPort());
        assertNull(component.problem());
        assertEquals("127.0.0.1:" + port + "\n", Files.readString(home.resolve("data/ssh/listening")));
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "gatehouse:status").status());
        }
    }

    /** The listener kept in place of a taken port moves there once the port is free. */
    @Test
    void aListenerKeptInPlaceOfATakenPortMovesOnceItIsFree() throws Exception {
        ManagementNetworks networks = () -> AddressSet.parse(List.of("127.0.0.0/8"));
        int free = freeLoopbackPort();
        // A fixed port: the listener kept is opened again at its configured address, and port 0 would be another.
        component = new SshServerComponent(processor, networks, null, Map.of("listen", "127.0.0.1:" + free), 200);
        InetSocketAddress before = component.boundAddress();
        int port;
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
            component.modified(Map.of("listen", "127.0.0.1:" + port));
            assertEquals(before, component.boundAddress(), "kept");
            assertTrue(component.problem().endsWith("; SSH still listens on " + org.gatehouse.core.net.IpAddresses.format(before) + " instead"),
                    component.problem());
        }
        waitFor(() -> component.boundAddress() != null && component.boundAddress().getPort() == port, "moved once the port is free");
        assertNull(component.problem());
        assertEquals("127.0.0.1:" + port + "\n", Files.readString(home.resolve("data/ssh/listening")));
        try (java.net.Socket s = new java.net.Socket()) {
            assertThrows(java.io.IOException.class, () -> s.connect(before, 2000), "the kept listener closed");
        }
    }

    /**
     * The wildcard kept in place of an address this host did not have yet, on the same port, gives way
     * once the address comes (a virtual address taken over on failover): the wildcard held the port,
     * so the address could never be opened beside it. Inside its own network namespace, which lets the
     * test bind the wildcard and add the address.
     */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void aWildcardKeptInPlaceOfAnAddressYetToComeGivesWayWhenItComes() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        ManagementNetworks networks = () -> AddressSet.parse(List.of("127.0.0.0/8", "10.0.0.0/8"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        component = new SshServerComponent(processor, networks, null, Map.of("listen", "0.0.0.0:" + port), 200);
        InetSocketAddress wildcard = component.boundAddress();
        assertTrue(wildcard.getAddress().isAnyLocalAddress(), wildcard.toString());
        InetSocketAddress coming = new InetSocketAddress("10.9.8.7", port);
        component.modified(Map.of("listen", "10.9.8.7:" + port));
        assertEquals(wildcard, component.boundAddress(), "kept while 10.9.8.7 is not this host's");
        Thread.sleep(500);
        assertEquals(wildcard, component.boundAddress());
        ip("addr", "add", "10.9.8.7/32", "dev", "lo");
        waitFor(() -> coming.equals(component.boundAddress()), "listening on 10.9.8.7 once it is this host's");
        assertNull(component.problem());
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(coming, 2000);
        }
        try (java.net.Socket s = new java.net.Socket()) {
            assertThrows(java.io.IOException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", port), 2000), "the wildcard closed");
        }
    }

    private static void ip(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), cmd + ": " + out);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "within 15 s: " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void anInvalidListenIsRefusedAndTheListenerKeepsRunning() throws Exception {
        KeyPair key = authorizedKey();
        start("127.0.0.0/8", Map.of());
        InetSocketAddress before = component.boundAddress();
        assertEquals(org.gatehouse.core.net.IpAddresses.format(before) + "\n", Files.readString(home.resolve("data/ssh/listening")));
        component.modified(Map.of("listen", "127.0.0.1:99999"));
        assertEquals(before, component.boundAddress());
        assertEquals(org.gatehouse.core.net.IpAddresses.format(before) + "\n", Files.readString(home.resolve("data/ssh/listening")));
        try (ClientSession s = loginWithKey("alice", key)) {
            assertEquals(0, exec(s, "gatehouse:status").status());
        }
        component.modified(Map.of("listen", ""));
        assertEquals(null, component.boundAddress());
        assertFalse(Files.exists(home.resolve("data/ssh/listening")), "nothing listens: bin/client reads listen in the file and says SSH is off");
    }
}
