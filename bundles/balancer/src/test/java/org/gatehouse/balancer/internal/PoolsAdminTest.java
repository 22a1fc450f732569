package org.gatehouse.balancer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.gatehouse.core.config.CfgFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The node commands against a pool's file on disk, with ConfigAdmin and FileInstall played by the test. */
class PoolsAdminTest {

    @TempDir
    Path home;

    /**
     * One configuration as ConfigAdmin holds it. {@link #update} writes it back into its file as
     * FileInstall does on every update (felix.fileinstall.enableConfigSave): the file as it is on disk
     * then, each key set to the value held then, the rest of the file as it was. FileInstall handles
     * the update's event on another thread, later: with {@link #deferWriteBacks} the write-backs wait
     * for {@link #writeBack}.
     */
    private static final class HeldConfiguration {
        final String pid;
        Hashtable<String, Object> properties;
        final List<Dictionary<String, Object>> updates = new ArrayList<>();
        boolean deferWriteBacks;
        final List<Runnable> pending = new ArrayList<>();

        HeldConfiguration(String pid, Hashtable<String, Object> properties) {
            this.pid = pid;
            this.properties = properties;
        }

        /** The write-backs deferred so far, each with what is held when it runs, as FileInstall's are. */
        void writeBack() {
            List<Runnable> due = new ArrayList<>(pending);
            pending.clear();
            due.forEach(Runnable::run);
        }

        private void writeBackNow() {
            Object f = properties == null ? null : properties.get("felix.fileinstall.filename");
            if (f == null) {
                return;
            }
            try {
                Path file = Path.of(java.net.URI.create(f.toString()));
                String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                Properties onDisk = CfgFile.entries(text);
                for (Map.Entry<String, Object> e : properties.entrySet()) {
                    String key = e.getKey();
                    if (!key.startsWith("felix.") && !key.startsWith("service.") && !e.getValue().equals(onDisk.get(key))) {
                        text = CfgFile.with(text, key, e.getValue().toString());
                    }
                }
                for (Object key : onDisk.keySet()) {
                    if (!properties.containsKey(key)) {
                        throw new UnsupportedOperationException("FileInstall would remove " + key + " from " + file);
                    }
                }
                Files.writeString(file, text, StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        Configuration proxy() {
            return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Configuration.class}, (self, m, args) -> {
                switch (m.getName()) {
                    case "getPid":
                        return pid;
                    case "getFactoryPid":
                        return PoolSettings.FACTORY_PID;
                    case "getProperties":
                        return properties == null ? null : new Hashtable<>(properties);
                    case "update":
                        @SuppressWarnings("unchecked") Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                        updates.add(d);
                        properties = new Hashtable<>();
                        for (Enumeration<String> k = d.keys(); k.hasMoreElements(); ) {
                            String key = k.nextElement();
                            properties.put(key, d.get(key));
                        }
                        pending.add(this::writeBackNow);
                        if (!deferWriteBacks) {
                            writeBack();
                        }
                        return null;
                    case "delete":
                        properties = null;
                        return null;
                    case "toString":
                        return pid;
                    default:
                        throw new UnsupportedOperationException(m.getName());
                }
            });
        }
    }

    private static ConfigurationAdmin configurations(List<HeldConfiguration> held) {
        return (ConfigurationAdmin) Proxy.newProxyInstance(PoolsAdminTest.class.getClassLoader(), new Class<?>[] {ConfigurationAdmin.class},
                (self, m, args) -> {
                    switch (m.getName()) {
                        case "listConfigurations": {
                            List<Configuration> out = new ArrayList<>();
                            held.stream().filter(c -> c.properties != null).forEach(c -> out.add(c.proxy()));
                            return out.isEmpty() ? null : out.toArray(new Configuration[0]);
                        }
                        case "getFactoryConfiguration": {
                            String pid = args[0] + "~" + args[1];
                            for (HeldConfiguration c : held) {
                                if (c.pid.equals(pid)) {
                                    return c.proxy();
                                }
                            }
                            HeldConfiguration c = new HeldConfiguration(pid, null);
                            held.add(c);
                            return c.proxy();
                        }
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    /** What FileInstall hands the pool for {@code file}: its keys as text, and the file's name. */
    private static Map<String, Object> read(Path file) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.ISO_8859_1)));
        Map<String, Object> m = new HashMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v));
        m.put("felix.fileinstall.filename", file.toUri().toString());
        return m;
    }

    private static Map<String, Object> map(Dictionary<String, Object> d) {
        Map<String, Object> m = new HashMap<>();
        for (Enumeration<String> k = d.keys(); k.hasMoreElements(); ) {
            String key = k.nextElement();
            m.put(key, d.get(key));
        }
        return m;
    }

    private static Map<String, Integer> spread(TestProxy p, int n) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            seen.merge(p.get("/id").body(), 1, Integer::sum);
        }
        return seen;
    }

    @Test
    void aNodeCommandChangesOnlyTheNodesOfTheFileOnDiskAndAnEditNotReadYetSurvives() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false)) {
            Path etc = Files.createDirectories(home.resolve("etc"));
            Path file = etc.resolve("org.gatehouse.balancer.pool-test.cfg");
            String shipped = "# The test pool.\n"
                    + "routes = /\n"
                    + "# The nodes, continued on the next line.\n"
                    + "nodes = \\\n"
                    + "    " + a.address() + "\n"
                    + "tls = false\n"
                    + "max-fails = 1\n"
                    + "fail-timeout = 10\n";
            Files.writeString(file, shipped);
            Map<String, Object> held = read(file);
            try (TestProxy p = new TestProxy(home, held)) {
                Hashtable<String, Object> props = new Hashtable<>(held);
                props.put("service.pid", "org.gatehouse.balancer.pool~test");
                List<HeldConfiguration> all = new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test", props)));
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(all);
                admin.bindPool(p.pool);

                // The operator's edit, which the file watcher has not read yet.
                String edited = shipped.replace("max-fails = 1", "max-fails = 3").replace("# The test pool.", "# The test pool, edited.");
                Files.writeString(file, edited);
                admin.addNode("test", b.address() + " weight=2");

                String expected = edited.replace("nodes = \\\n    " + a.address() + "\n", "nodes = " + a.address() + ", " + b.address() + " weight=2\n");
                assertEquals(expected, Files.readString(file), "only the nodes entry changed; the edit and every comment stay");
                assertEquals(Map.of("a", 2, "b", 4), spread(p, 6), "the node serves at once");
                assertEquals(1, p.live().settings().maxFails(), "the rest of the file waits for ConfigAdmin's update");
                assertEquals(read(file), map(all.get(0).updates.get(0)), "ConfigAdmin holds the file as written, the edit with it");

                // The watcher's update for the file as it was just before the command (read before the
                // command wrote, delivered after) does not take the new node away again.
                p.pool.modified(held);
                assertEquals(Map.of("a", 2, "b", 4), spread(p, 6), "an update older than the command");

                // ConfigAdmin's update with the file as written arrives: the operator's edit applies, with the node.
                p.pool.modified(read(file));
                assertEquals(3, p.live().settings().maxFails());
                assertEquals(Map.of("a", 2, "b", 4), spread(p, 6));

                admin.drainNode("test", b.address());
                assertTrue(Files.readString(file).contains("nodes = " + a.address() + ", " + b.address() + " weight=2 drain\n"));
                assertEquals(Map.of("a", 4), spread(p, 4));
                admin.removeNode("test", a.address());
                admin.enableNode("test", b.address());
                assertEquals(expected.replace(a.address() + ", ", ""), Files.readString(file));
                assertEquals(Map.of("b", 4), spread(p, 4));
                assertEquals(read(file), map(all.get(0).updates.get(all.get(0).updates.size() - 1)), "ConfigAdmin holds the file as written");
            }
        }
    }

    /**
     * Node commands in quick succession (drain then remove, add then add), FileInstall reading the file
     * after each and writing each configuration update back into the file late, as it does on its own
     * thread: the last command's nodes are the ones that stay, in the file and in the pool. A command
     * that did not hand ConfigAdmin the file it wrote lost its nodes to the write-back of the watcher's
     * update for the previous command's file (a CI run of ProxyConsoleIT: node A back after
     * proxy:node-remove A).
     */
    @Test
    void theLastOfQuickNodeCommandsStaysThoughFileInstallWritesBackLate() throws Exception {
        try (TestNode a = new TestNode("a", false); TestNode b = new TestNode("b", false); TestNode c = new TestNode("c", false);
                TestNode d = new TestNode("d", false)) {
            Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
            Files.writeString(file, "# The test pool.\nroutes = /\nnodes = " + a.address() + ", " + b.address() + " weight=2\ntls = false\n");
            Map<String, Object> held = read(file);
            try (TestProxy p = new TestProxy(home, held)) {
                Hashtable<String, Object> props = new Hashtable<>(held);
                props.put("service.pid", "org.gatehouse.balancer.pool~test");
                HeldConfiguration config = new HeldConfiguration("org.gatehouse.balancer.pool~test", props);
                config.deferWriteBacks = true;
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(new ArrayList<>(List.of(config)));
                admin.bindPool(p.pool);

                // The watcher reads the drain's file; its update's write-back comes after the removal.
                admin.drainNode("test", a.address());
                watcherReads(config, file);
                admin.removeNode("test", a.address());
                deliver(config, p);
                assertEquals("# The test pool.\nroutes = /\nnodes = " + b.address() + " weight=2\ntls = false\n", Files.readString(file));
                watcherReads(config, file);
                deliver(config, p);
                assertEquals(Map.of("b", 4), spread(p, 4));

                admin.addNode("test", c.address());
                watcherReads(config, file);
                admin.addNode("test", d.address() + " weight=2");
                deliver(config, p);
                assertTrue(Files.readString(file).contains("\nnodes = " + b.address() + " weight=2, " + c.address() + ", " + d.address() + " weight=2\n"),
                        Files.readString(file));
                watcherReads(config, file);
                deliver(config, p);
                assertEquals(Map.of("b", 4, "c", 2, "d", 4), spread(p, 10));
            }
        }
    }

    /** FileInstall's poll: the file's entries to ConfigAdmin when they differ from what it holds. */
    private static void watcherReads(HeldConfiguration config, Path file) throws Exception {
        Map<String, Object> onDisk = read(file);
        Map<String, Object> held = new HashMap<>(config.properties);
        held.remove("service.pid");
        if (!onDisk.equals(held)) {
            config.proxy().update(new Hashtable<>(onDisk));
        }
    }

    private int delivered;

    /** ConfigAdmin's deliveries, late and in order: FileInstall's write-backs, and each update to the pool. */
    private void deliver(HeldConfiguration config, TestProxy p) {
        config.writeBack();
        for (; delivered < config.updates.size(); delivered++) {
            p.pool.modified(map(config.updates.get(delivered)));
        }
    }

    /** A host name that does not resolve is added all the same (DNS may be down, the name may come later), shown unresolved once looked up. */
    @Test
    void nodeAddTakesANameThatDoesNotResolve() throws Exception {
        try (TestNode a = new TestNode("a", false)) {
            Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
            Files.writeString(file, "routes = /\nnodes = " + a.address() + "\ntls = false\n");
            Map<String, Object> held = read(file);
            NodeNames.Lookup slowNo = host -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new java.net.UnknownHostException(host + ": Name or service not known");
            };
            try (TestProxy p = new TestProxy(home, held, Map.of(), c -> c.lookup = slowNo)) {
                Hashtable<String, Object> props = new Hashtable<>(held);
                props.put("service.pid", "org.gatehouse.balancer.pool~test");
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test", props))));
                admin.bindPool(p.pool);
                admin.addNode("test", "nodes1.example.invalid:443");
                assertTrue(Files.readString(file).contains("nodes = " + a.address() + ", nodes1.example.invalid:443\n"), Files.readString(file));
                Node n = p.live().node("nodes1.example.invalid:443");
                assertEquals("unresolved", n.status().state());
                assertEquals("Name or service not known", n.lookupFailure(), "node-add returns once the first lookup has an answer");
                assertEquals(Map.of("a", 4), spread(p, 4));
            }
        }
    }

    @Test
    void aBadNodesEntryInTheFileIsRefusedAndNothingChanges() throws Exception {
        try (TestNode a = new TestNode("a", false)) {
            Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
            Files.writeString(file, "nodes = " + a.address() + "\ntls = false\n");
            Map<String, Object> held = read(file);
            try (TestProxy p = new TestProxy(home, held)) {
                Hashtable<String, Object> props = new Hashtable<>(held);
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test", props))));
                admin.bindPool(p.pool);
                String typo = "nodes = " + a.address() + ", 10.0.0.1\ntls = false\n";
                Files.writeString(file, typo);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.addNode("test", "10.0.0.2:443"));
                assertTrue(e.getMessage().contains("etc/org.gatehouse.balancer.pool-test.cfg: nodes = '10.0.0.1' is invalid"), e.getMessage());
                assertTrue(e.getMessage().endsWith("; fix nodes in etc/org.gatehouse.balancer.pool-test.cfg first"), e.getMessage());
                assertEquals(typo, Files.readString(file));
                assertEquals(Map.of("a", 3), spread(p, 3));
            }
        }
    }

    /** A file the pool refused at start (or refuses now): no node command writes it, each says what to fix. */
    @Test
    void aPoolWhoseFileIsRefusedRefusesEveryNodeCommandAndItsFileIsNotWritten() throws Exception {
        try (TestNode a = new TestNode("a", false)) {
            Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
            String refused = "nodes = " + a.address() + "\ntls = false\nmax-fails = -1\n";
            Files.writeString(file, refused);
            Map<String, Object> held = read(file);
            try (TestProxy p = new TestProxy(home, held)) {
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test",
                        new Hashtable<>(held)))));
                admin.bindPool(p.pool);
                List<Executable> commands = List.of(() -> admin.addNode("test", "127.0.0.12:9443"), () -> admin.removeNode("test", a.address()),
                        () -> admin.drainNode("test", a.address()), () -> admin.enableNode("test", a.address()));
                for (Executable command : commands) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, command);
                    assertTrue(e.getMessage().endsWith("pool-test.cfg: max-fails = '-1' is out of range (0 to 1000); fix max-fails in "
                            + "etc/org.gatehouse.balancer.pool-test.cfg first"), e.getMessage());
                    assertEquals(refused, Files.readString(file), "the file is not written");
                }
                assertEquals(503, p.get("/").statusCode());
            }
        }
    }

    /** A pool that refused an edit runs on its previous settings: no node command writes the file it refuses. */
    @Test
    void aPoolRefusingAnEditRefusesNodeCommandsUntilTheFileIsFixed() throws Exception {
        try (TestNode a = new TestNode("a", false)) {
            Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
            Files.writeString(file, "nodes = " + a.address() + "\ntls = false\n");
            Map<String, Object> held = read(file);
            try (TestProxy p = new TestProxy(home, held)) {
                PoolsAdmin admin = new PoolsAdmin();
                admin.configurations = configurations(new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test",
                        new Hashtable<>(held)))));
                admin.bindPool(p.pool);
                String edited = "nodes = " + a.address() + "\ntls = false\nmax-fails = -1\n";
                Files.writeString(file, edited);
                p.pool.modified(read(file));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.addNode("test", "127.0.0.12:9443"));
                assertTrue(e.getMessage().endsWith("; fix max-fails in etc/org.gatehouse.balancer.pool-test.cfg first"), e.getMessage());
                assertEquals(edited, Files.readString(file));
                assertEquals(Map.of("a", 2), spread(p, 2), "the pool keeps its nodes");
            }
        }
    }

    /** Refused at start for what the file's text does not show (a CA file that cannot be read): the pool's own reason. */
    @Test
    void aPoolRefusedAtStartForItsCaFileRefusesNodeCommands() throws Exception {
        Path file = Files.createDirectories(home.resolve("etc")).resolve("org.gatehouse.balancer.pool-test.cfg");
        String text = "nodes = 127.0.0.11:9443\ntls = true\ntls-ca-file = " + home.resolve("missing.pem") + "\n";
        Files.writeString(file, text);
        Map<String, Object> held = read(file);
        try (TestProxy p = new TestProxy(home, held)) {
            PoolsAdmin admin = new PoolsAdmin();
            admin.configurations = configurations(new ArrayList<>(List.of(new HeldConfiguration("org.gatehouse.balancer.pool~test",
                    new Hashtable<>(held)))));
            admin.bindPool(p.pool);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.addNode("test", "127.0.0.12:9443"));
            assertTrue(e.getMessage().contains("tls-ca-file = '"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; fix tls-ca-file in etc/org.gatehouse.balancer.pool-test.cfg first"), e.getMessage());
            assertEquals(text, Files.readString(file));
        }
    }

    /**
     * The default pool's file was deleted: the first node-add writes it again (with the node, and the
     * default pool's routes by default), so that what serves now is what serves after a restart.
     */
    @Test
    void theDefaultPoolWithoutAFileGetsOneFromNodeAdd() throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        try {
            Files.createDirectories(home.resolve("etc"));
            List<HeldConfiguration> all = new ArrayList<>();
            PoolsAdmin admin = new PoolsAdmin();
            admin.configurations = configurations(all);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.addNode("other", "127.0.0.1:9003"));
            assertEquals("there is no pool other (see proxy:nodes)", e.getMessage());

            admin.addNode("conferencing", "127.0.0.1:9003");
            Path file = home.resolve("etc/org.gatehouse.balancer.pool-conferencing.cfg");
            assertTrue(Files.exists(file), "the pool's file is written");
            PoolSettings s = PoolSettings.read("org.gatehouse.balancer.pool~conferencing", read(file));
            assertEquals("conferencing", s.name());
            assertEquals("127.0.0.1:9003", PoolSettings.nodesValue(s.nodes()));
            assertEquals(PoolSettings.DEFAULT_ROUTES, s.routes(), "after a restart: the default pool at its default routes");
            assertEquals(1, all.size());
            assertEquals("127.0.0.1:9003", all.get(0).properties.get("nodes"), "and the pool serves now");
            try (var list = Files.list(home.resolve("etc"))) {
                assertEquals(1, list.count(), "no temporary file left behind");
            }
        } finally {
            System.clearProperty("gatehouse.home");
        }
    }
}
