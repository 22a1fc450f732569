package org.gatehouse.balancer.internal;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.core.config.CfgFile;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The pools for the shell and the status page. Node changes are written into the pool's {@code .cfg}
 * file (its {@code nodes} entry only) and put in force in the running pool at once; ConfigAdmin then
 * gets the file as written, and the pool applies it whole as it applies any edit. The default pool, when it has no file, gets one.
 * Meanwhile its routes answer 503 as an empty pool does (not 404): see {@link #unconfigured}.
 */
@Component(service = Pools.class)
public final class PoolsAdmin implements Pools {

    @Reference
    ConfigurationAdmin configurations;

    private final List<PoolComponent> pools = new CopyOnWriteArrayList<>();
    private ServiceRegistration<HttpRoute> unconfigured;

    /**
     * The default pool's routes, below any pool's own (lowest ranking): where pool conferencing has no
     * configuration (its file deleted, or a container that never had it) they answer the empty pool's
     * 503 page, which says what to do, instead of 404; any pool that claims them serves them.
     */
    @Activate
    void activate(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpRoute.PREFIX, PoolSettings.DEFAULT_ROUTES.toArray(new String[0]));
        props.put(Constants.SERVICE_RANKING, Integer.MIN_VALUE);
        unconfigured = context.registerService(HttpRoute.class, PoolsAdmin::unconfigured, props);
    }

    @Deactivate
    void deactivate() {
        try {
            unconfigured.unregister();
        } catch (IllegalStateException e) {
            // gone with the bundle
        }
    }

    static void unconfigured(HttpExchange exchange) {
        exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/html; charset=utf-8", ProxyExchange.page(HttpResponseStatus.SERVICE_UNAVAILABLE,
                ProxyExchange.NO_NODE_CONFIGURED));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindPool(PoolComponent p) {
        pools.add(p);
    }

    void unbindPool(PoolComponent p) {
        pools.remove(p);
    }

    @Override
    public List<PoolStatus> pools() {
        List<PoolStatus> out = new ArrayList<>();
        for (PoolComponent p : pools) {
            PoolStatus s = p.status();
            if (s != null) {
                out.add(s);
            }
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    @Override
    public void addNode(String pool, String node) {
        NodeSpec added = NodeSpec.parse(node);
        // Only the default pool is made by a first node-add (a container without its .cfg file); any
        // other name must be a pool that exists, so a mistyped name is refused, not made a pool
        // without routes that serves nothing.
        edit(pool, pool.equals(PoolSettings.DEFAULT_POOL), nodes -> {
            for (NodeSpec n : nodes) {
                if (n.address().equals(added.address())) {
                    throw new IllegalArgumentException("node " + added.address() + " is already in pool " + pool);
                }
            }
            List<NodeSpec> out = new ArrayList<>(nodes);
            out.add(added);
            return out;
        });
        awaitLookup(pool, added.address());
    }

    /** How long node-add waits for the first lookup of a new node's host name, so that proxy:nodes right after says whether it resolves. */
    static final long LOOKUP_WAIT_MILLIS = 3000;

    private void awaitLookup(String pool, String address) {
        PoolComponent p = component(pool);
        Pool live = p == null ? null : p.pool();
        Node n = live == null ? null : live.node(address);
        if (n != null && n.named()) {
            try {
                n.awaitLookup(LOOKUP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void removeNode(String pool, String address) {
        String a = canonical(address);
        edit(pool, false, nodes -> {
            List<NodeSpec> out = new ArrayList<>(nodes);
            if (!out.removeIf(n -> n.address().equals(a))) {
                throw new IllegalArgumentException("pool " + pool + " has no node " + address);
            }
            return out;
        });
    }

    @Override
    public void drainNode(String pool, String address) {
        mark(pool, address, true);
    }

    @Override
    public void enableNode(String pool, String address) {
        mark(pool, address, false);
        PoolComponent p = component(pool);
        Pool live = p == null ? null : p.pool();
        Node n = live == null ? null : live.node(canonical(address));
        if (n != null) {
            n.reset();
        }
    }

    private void mark(String pool, String address, boolean drain) {
        String a = canonical(address);
        edit(pool, false, nodes -> {
            List<NodeSpec> out = new ArrayList<>();
            boolean found = false;
            for (NodeSpec n : nodes) {
                if (n.address().equals(a)) {
                    found = true;
                    n = new NodeSpec(n.host(), n.port(), n.weight(), n.backup(), drain);
                }
                out.add(n);
            }
            if (!found) {
                throw new IllegalArgumentException("pool " + pool + " has no node " + address);
            }
            return out;
        });
    }

    private static String canonical(String address) {
        String[] hp = NodeSpec.hostPort(address.strip());
        return new NodeSpec(hp[0], Integer.parseInt(hp[1]), 1, false, false).address();
    }

    /**
     * Reads the pool's nodes from its file as it is on disk now, changes them, and writes the file back
     * with only its {@code nodes} entry replaced. The file is not written through ConfigAdmin: that
     * would write every key as the server holds it, and an edit of the file the watcher (FileInstall,
     * polling) has not read yet would be lost. The running pool takes the new nodes at once, its other
     * settings as they are; then ConfigAdmin takes the file as written, the operator's edit with it.
     */
    private synchronized void edit(String pool, boolean create, UnaryOperator<List<NodeSpec>> change) {
        try {
            Configuration c = find(pool);
            Path file = c == null ? null : file(c);
            if (c != null && file == null) {
                editConfiguration(c, pool, change);
                return;
            }
            if (c == null) {
                if (!create) {
                    throw new IllegalArgumentException("there is no pool " + pool + " (see proxy:nodes)");
                }
                file = InstallationPaths.home().resolve("etc").resolve(PoolSettings.FACTORY_PID + "-" + pool + ".cfg");
            }
            synchronized (CfgFile.editLock(file)) {
                editFile(pool, create, c, file, change);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the configuration of pool " + pool + " could not be written: " + e.getMessage(), e);
        }
    }

    /** {@link #edit} once the file is known, under its edit lock (the setup wizard writes it too). */
    private void editFile(String pool, boolean create, Configuration c, Path file, UnaryOperator<List<NodeSpec>> change) throws IOException {
        String text = CfgFile.read(file);
        if (text == null && !create) {
            throw new IllegalArgumentException("there is no pool " + pool + ": its file " + file + " is gone");
        }
        List<NodeSpec> current = text == null ? List.of() : nodes(text, file, c == null ? null : c.getPid());
        PoolComponent live = component(pool);
        String refused = live == null ? null : live.refusedAtStart();
        if (refused != null) {
            // A file the pool refused for a reason its text does not show (a CA file that cannot be read).
            throw new IllegalArgumentException(refused);
        }
        List<NodeSpec> next = change.apply(current);
        String value = PoolSettings.nodesValue(next);
        String written = text == null ? newFile(pool, value) : CfgFile.with(text, "nodes", value);
        if (c == null) {
            // A pool without configuration (its file was deleted, or is new and not read yet): the
            // configuration is made now, so that the node serves at once, named as FileInstall names
            // the one it makes for the file, which it then takes over. Made before the file is
            // written: FileInstall's own, made first, would lose the file's name here.
            c = configurations.getFactoryConfiguration(PoolSettings.FACTORY_PID, pool, "?");
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("nodes", value);
            c.update(props);
            try {
                CfgFile.write(file, written);
            } catch (IOException e) {
                c.delete();
                throw e;
            }
            Balancer.LOG.info("Balancer: pool {} had no file: {} written with its nodes", pool, file);
            return;
        }
        // The running pool first, then the file: the watcher may read the file the moment it is
        // written, and what it applies must not be undone by this command.
        Dictionary<String, Object> held = c.getProperties();
        Object named = held == null ? null : held.get(Settings.FILEINSTALL_FILENAME);
        PoolSettings before = live == null ? null : live.nodes(next);
        try {
            CfgFile.write(file, written);
        } catch (IOException e) {
            if (before != null) {
                live.restore(before);
            }
            throw e;
        }
        // Then ConfigAdmin gets the file as written, whole (an edit the watcher has not read yet
        // with it). Where FileInstall writes a configuration back into its file whenever it
        // changes (Karaf; Gatehouse's launcher turns that off), its write-back for an update of a
        // moment ago (the watcher's, from the file the previous command wrote) would otherwise land
        // after this write and bring the old nodes back, in the file and in the pool; the
        // write-backs after this update carry this command's nodes.
        Hashtable<String, Object> applied = new Hashtable<>();
        CfgFile.entries(written).forEach((k, v) -> applied.put(k.toString(), v));
        applied.put(Settings.FILEINSTALL_FILENAME, named != null ? named : file.toAbsolutePath().toFile().toURI().toString());
        try {
            c.update(applied);
        } catch (IOException | IllegalStateException e) {
            // The nodes are in force and in the file, which the watcher reads as any edit.
            Balancer.LOG.warn("Balancer: pool {}: {} is written, but ConfigAdmin did not take it ({}); it applies when the file watcher reads it",
                    pool, file, e.toString());
        }
    }

    /**
     * The {@code nodes} of a pool's file, the whole file checked: a command does not write into a file
     * the pool refuses (it would not apply), it is refused with the file's own words and what to fix.
     */
    static List<NodeSpec> nodes(String text, Path file, String pid) {
        try {
            java.util.Map<String, Object> m = new java.util.HashMap<>();
            CfgFile.entries(text).forEach((k, v) -> m.put(k.toString(), v));
            m.put(Settings.FILEINSTALL_FILENAME, file.toUri().toString());
            return PoolSettings.read(pid, m).nodes();
        } catch (InvalidSettingException e) {
            throw refusal(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage() + "; fix the file first");
        }
    }

    /** A command on a pool whose settings are refused: one line naming file and key. */
    private static IllegalArgumentException refusal(InvalidSettingException e) {
        return new IllegalArgumentException(e.getMessage() + "; fix " + e.key() + " in " + e.source() + " first");
    }

    private static String newFile(String pool, String nodes) {
        return "# Pool " + pool + ", written by a proxy:node command when it had no file. The keys and their defaults\n"
                + "# are described in docs/proxy.md.\n"
                + "nodes = " + nodes + "\n";
    }

    /** The pool's file, or null for a configuration set through ConfigAdmin alone. */
    private static Path file(Configuration c) {
        return CfgFile.of(c.getProperties());
    }

    private PoolComponent component(String pool) {
        for (PoolComponent p : pools) {
            if (pool.equals(p.name())) {
                return p;
            }
        }
        return null;
    }

    /** A configuration without a file (set through ConfigAdmin): its nodes changed there. */
    private static void editConfiguration(Configuration c, String pool, UnaryOperator<List<NodeSpec>> change) throws IOException {
        Dictionary<String, Object> props = c.getProperties();
        if (props == null) {
            props = new Hashtable<>();
        }
        PoolSettings current;
        try {
            current = PoolSettings.read(c.getPid(), toMap(props, pool));
        } catch (InvalidSettingException e) {
            throw refusal(e);
        }
        List<NodeSpec> next = change.apply(current.nodes());
        props.put("nodes", PoolSettings.nodesValue(next));
        c.update(props);
    }

    private static java.util.Map<String, Object> toMap(Dictionary<String, Object> props, String pool) {
        java.util.Map<String, Object> m = new java.util.HashMap<>();
        for (var e = props.keys(); e.hasMoreElements(); ) {
            String k = e.nextElement();
            m.put(k, props.get(k));
        }
        m.putIfAbsent("name", pool);
        return m;
    }

    private Configuration find(String pool) throws IOException {
        Configuration[] all;
        try {
            all = configurations.listConfigurations("(service.factoryPid=" + PoolSettings.FACTORY_PID + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (all == null) {
            return null;
        }
        for (Configuration c : all) {
            Dictionary<String, Object> p = c.getProperties();
            if (p == null) {
                continue;
            }
            Object name = p.get("name");
            Object file = p.get(Settings.FILEINSTALL_FILENAME);
            String n = name != null ? name.toString().strip()
                    : PoolSettings.nameOf(file == null ? null : Settings.of(PoolSettings.FACTORY_PID, toMap(p, "")).source(), c.getPid());
            if (pool.equals(n)) {
                return c;
            }
        }
        return null;
    }
}
