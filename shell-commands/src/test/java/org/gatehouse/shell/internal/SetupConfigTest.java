package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.gatehouse.core.config.CfgFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The wizard's apply step against a configuration store that records what is written. */
class SetupConfigTest {

    @TempDir
    Path data;

    private Path etc;

    @BeforeEach
    void etcFolder() throws Exception {
        etc = Files.createDirectories(data.resolve("etc"));
    }

    /** Configuration Admin as proxies: every configuration empty, every update recorded by PID. */
    private static ConfigurationAdmin recording(List<String> updates) {
        Map<String, Configuration> configurations = new HashMap<>();
        return (ConfigurationAdmin) Proxy.newProxyInstance(SetupConfigTest.class.getClassLoader(), new Class<?>[] {ConfigurationAdmin.class},
                (cm, method, args) -> switch (method.getName()) {
                    case "getConfiguration", "getFactoryConfiguration" -> configurations.computeIfAbsent(String.valueOf(args[0]),
                            pid -> (Configuration) Proxy.newProxyInstance(SetupConfigTest.class.getClassLoader(), new Class<?>[] {Configuration.class},
                                    (c, m, a) -> switch (m.getName()) {
                                        case "getProperties" -> null;
                                        case "getPid" -> pid;
                                        case "update" -> {
                                            updates.add(pid + " " + (a == null ? "" : ((Dictionary<?, ?>) a[0]).size()));
                                            yield null;
                                        }
                                        default -> null;
                                    }));
                    case "listConfigurations" -> null;
                    default -> null;
                });
    }

    /** A user file that refuses the new user (a bad line elsewhere in it). */
    private static final TurnAccounts REFUSING = new TurnAccounts() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public void add(String user, String password) {
            throw new IllegalArgumentException("etc/turn-users: line 4: key of user eve is not 32 hex digits; fix that line first (nothing was changed)");
        }

        @Override
        public String file() {
            return "etc/turn-users";
        }
    };

    @Test
    void aUserFileThatRefusesTheUserLeavesEveryOtherFileAsItWas() throws Exception {
        List<String> updates = new ArrayList<>();
        SetupConfig config = new SetupConfig(recording(updates), etc);
        Map<String, String> current = config.current(REFUSING);
        Map<String, String> answers = Map.of("management-networks", "127.0.0.0/8, ::1, 10.0.50.0/24", "nodes", "10.40.0.10:443",
                "turn", "enable", "turn-user", "conference", "turn-password", "a long secret");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.apply(answers, current, REFUSING, data));
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        assertEquals(List.of(), updates, "nothing written before the user file refused");
    }

    private static final String POOL = SetupConfig.POOL_FACTORY + "~" + SetupConfig.POOL;

    /** No TURN bundle: TURN answers are not asked, as on a proxy-only server. */
    private static final TurnAccounts NO_TURN = null;

    @Test
    void newNodesKeepTheRoutesInForce() throws Exception {
        FakeConfigurations files = new FakeConfigurations().with(POOL, "nodes", "10.40.0.10:443", "routes", "/api/, /static/");
        SetupConfig config = new SetupConfig(files.admin(), etc);
        Map<String, String> current = config.current(NO_TURN);
        assertEquals("yes", current.get("web-proxy"));
        // The answers file leaves web-proxy out; the wizard's operator presses Enter on [yes]: both keep the routes.
        for (Map<String, String> answers : List.of(Map.of("nodes", "127.0.0.1:9000, 127.0.0.1:9001"),
                Map.of("nodes", "127.0.0.1:9000, 127.0.0.1:9001", "web-proxy", "yes"))) {
            List<String> done = config.apply(answers, current, NO_TURN, data);
            assertEquals("127.0.0.1:9000, 127.0.0.1:9001", files.get(POOL, "nodes"));
            assertEquals("/api/, /static/", files.get(POOL, "routes"), answers.toString());
            assertEquals(List.of("conferencing nodes: 127.0.0.1:9000, 127.0.0.1:9001; web proxy on (etc/org.gatehouse.balancer.pool-conferencing.cfg)"),
                    done);
        }
    }

    @Test
    void aNodeAddedKeepsTheOptionsOfTheNodesInForce() throws Exception {
        FakeConfigurations files = new FakeConfigurations().with(POOL, "nodes",
                "10.40.0.10:443, 10.40.0.11:443 drain, 10.40.0.12:443 backup weight=5", "routes", "/api/");
        SetupConfig config = new SetupConfig(files.admin(), etc);
        Map<String, String> current = config.current(NO_TURN);
        assertEquals("10.40.0.10:443, 10.40.0.11:443, 10.40.0.12:443", current.get("nodes"));
        List<String> done = config.apply(Map.of("nodes", "10.40.0.11:443, 10.40.0.12:443, 10.40.0.13:443"), current, NO_TURN, data);
        assertEquals("10.40.0.11:443 drain, 10.40.0.12:443 backup weight=5, 10.40.0.13:443", files.get(POOL, "nodes"),
                "the drained node stays drained, the backup a backup; the removed node goes");
        assertTrue(done.get(0).contains("10.40.0.11:443 drain"), done.toString());
        // A node written without its port, or a name in other letters, is the same node.
        FakeConfigurations spelt = new FakeConfigurations().with(POOL, "nodes", "10.40.0.11 drain, Node-B.example.com:443 backup", "routes", "/api/");
        SetupConfig again = new SetupConfig(spelt.admin(), Files.createDirectories(data.resolve("etc2")));
        again.apply(Map.of("nodes", "10.40.0.11:443, node-b.example.com:443, 10.40.0.14:443"), again.current(NO_TURN), NO_TURN, data);
        assertEquals("10.40.0.11 drain, Node-B.example.com:443 backup, 10.40.0.14:443", spelt.get(POOL, "nodes"));
    }

    @Test
    void theWebProxyAnswerChangedWritesTheRoutes() throws Exception {
        FakeConfigurations files = new FakeConfigurations().with(POOL, "nodes", "10.40.0.10:443", "routes", "/api/, /static/");
        SetupConfig config = new SetupConfig(files.admin(), etc);
        config.apply(Map.of("web-proxy", "no"), config.current(NO_TURN), NO_TURN, data);
        assertEquals("", files.get(POOL, "routes"));
        assertEquals("10.40.0.10:443", files.get(POOL, "nodes"));
        config.apply(Map.of("web-proxy", "yes"), config.current(NO_TURN), NO_TURN, data);
        assertEquals("/api/, /webapp/, /static/, /", files.get(POOL, "routes"));
    }

    @Test
    void aPoolMadeByTheWizardGetsTheRoutesOfTheAnswer() throws Exception {
        // Without a pool file the web proxy is off; left so, the new pool must not take the balancer's default routes.
        FakeConfigurations files = new FakeConfigurations();
        SetupConfig config = new SetupConfig(files.admin(), etc);
        Map<String, String> current = config.current(NO_TURN);
        assertEquals("no", current.get("web-proxy"));
        config.apply(Map.of("nodes", "10.40.0.10:443"), current, NO_TURN, data);
        assertEquals("10.40.0.10:443", files.get(POOL, "nodes"));
        assertEquals("", files.get(POOL, "routes"));
    }

    @Test
    void anEditOfTheFileTheWatcherHasNotReadYetIsKept() throws Exception {
        // ConfigAdmin still holds the file as it was; the operator has just added max-bps.
        FakeConfigurations files = new FakeConfigurations().with(SetupConfig.TURN, "realm", "example.com", "max-bps", "0",
                "felix.fileinstall.filename", etc.resolve("org.gatehouse.turn.cfg").toFile().toURI().toString());
        Path file = etc.resolve("org.gatehouse.turn.cfg");
        Files.writeString(file, "# TURN\nrealm = example.com\n# the cap\nmax-bps = 0\nmax-bps = 1000\n");
        SetupConfig config = new SetupConfig(files.admin(), etc);
        List<String> done = config.apply(Map.of("turn", "enable", "external-ip", "192.0.2.1"), config.current(ALLOWING), ALLOWING, data);
        assertEquals(List.of("TURN: external-ip = 192.0.2.1 (etc/org.gatehouse.turn.cfg)"), done);
        assertEquals("# TURN\nrealm = example.com\n# the cap\nmax-bps = 0\nmax-bps = 1000\nexternal-ip = 192.0.2.1\n", Files.readString(file),
                "only the answered key is written; every other line stays");
        assertEquals("1000", files.get(SetupConfig.TURN, "max-bps"), "what applies is the file as it is now");
        assertEquals("192.0.2.1", files.get(SetupConfig.TURN, "external-ip"));
    }

    @Test
    void aPoolWhoseFileWasDeletedGetsAFileAgain() throws Exception {
        FakeConfigurations files = new FakeConfigurations();
        SetupConfig config = new SetupConfig(files.admin(), etc);
        config.apply(Map.of("nodes", "10.40.0.10:443", "web-proxy", "yes"), config.current(NO_TURN), NO_TURN, data);
        Path file = etc.resolve("org.gatehouse.balancer.pool-conferencing.cfg");
        Properties written = CfgFile.entries(Files.readString(file));
        assertEquals("10.40.0.10:443", written.getProperty("nodes"));
        assertEquals("/api/, /webapp/, /static/, /", written.getProperty("routes"));
        assertEquals("10.40.0.10:443", files.get(POOL, "nodes"), "applied at once too");
        assertEquals(file.toFile().toURI().toString(), files.get(POOL, "felix.fileinstall.filename"));
        // Run again with the file in place: only its nodes line changes.
        Files.writeString(file, Files.readString(file) + "# mine\n");
        config.apply(Map.of("nodes", "10.40.0.11:443"), config.current(NO_TURN), NO_TURN, data);
        assertTrue(Files.readString(file).endsWith("nodes = 10.40.0.11:443\nroutes = /api/, /webapp/, /static/, /\n# mine\n"),
                Files.readString(file));
    }

    /** TURN's TCP listener cannot share 443 with HTTPS, whether the web proxy is on or off: HTTPS listens either way. */
    @Test
    void turnOn443IsRefusedWhileHttpsListensThereWithTheWebProxyOffToo() throws Exception {
        for (String webProxy : List.of("yes", "no")) {
            FakeConfigurations files = new FakeConfigurations().with(SetupConfig.TLS, "https-listen", "0.0.0.0:443")
                    .with(SetupConfig.STUN, "listen", "0.0.0.0:3478");
            SetupConfig config = new SetupConfig(files.admin(), etc);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.apply(
                    Map.of("turn", "enable", "turn-on-443", "yes", "web-proxy", webProxy), config.current(ALLOWING), ALLOWING, data));
            assertTrue(e.getMessage().contains("TURN cannot take 443 too"), e.getMessage());
            assertEquals("0.0.0.0:3478", files.get(SetupConfig.STUN, "listen"), "web-proxy " + webProxy);
        }
    }

    /**
     * A full name in force as the host name (this host's own on many systems) is offered as host name
     * and domain: as one answer it was refused as a host name, and a domain answered with it was added
     * to it a second time (edge.example.com.example.com).
     */
    @Test
    void aFullHostNameIsOfferedAsHostNameAndDomain() throws Exception {
        FakeConfigurations files = new FakeConfigurations().with(SetupConfig.TLS, "hostname", "edge.example.com");
        SetupConfig config = new SetupConfig(files.admin(), etc);
        Map<String, String> current = config.current(NO_TURN);
        assertEquals("edge", current.get("hostname"));
        assertEquals("example.com", current.get("domain"));
        assertEquals(List.of(), config.apply(Map.of("domain", "example.com"), current, NO_TURN, data), "the same name: nothing to change");
        config.apply(Map.of("domain", "example.org"), current, NO_TURN, data);
        assertEquals("edge", files.get(SetupConfig.TLS, "hostname"));
        assertEquals("example.org", files.get(SetupConfig.TLS, "domain"));
    }

    @Test
    void anAddressInForceAsTheHostNameIsNotSplit() throws Exception {
        FakeConfigurations address = new FakeConfigurations().with(SetupConfig.TLS, "hostname", "192.0.2.10");
        assertEquals("192.0.2.10", new SetupConfig(address.admin(), etc).current(NO_TURN).get("hostname"));
    }

    /** A user file that takes any user. */
    private static final TurnAccounts ALLOWING = new TurnAccounts() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public void add(String user, String password) {
        }

        @Override
        public String file() {
            return "etc/turn-users";
        }
    };
}
