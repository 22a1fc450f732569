package org.gatehouse.balancer.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The pools for the shell and the status page. Node changes go through ConfigAdmin into the pool's
 * configuration, which FileInstall writes back to its {@code .cfg} file; the pool applies them as it
 * applies a file edit. A pool that has no configuration yet gets one (named as its file would be).
 */
@Component(service = Pools.class)
public final class PoolsAdmin implements Pools {

    @Reference
    ConfigurationAdmin configurations;

    private final List<PoolComponent> pools = new CopyOnWriteArrayList<>();

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
        for (PoolComponent p : pools) {
            Pool live = p.pool();
            if (live != null && live.name().equals(pool)) {
                Node n = live.node(canonical(address));
                if (n != null) {
                    n.reset();
                }
            }
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

    /** Reads the pool's nodes from its configuration, changes them, and writes them back. */
    private synchronized void edit(String pool, boolean create, UnaryOperator<List<NodeSpec>> change) {
        try {
            Configuration c = find(pool);
            if (c == null) {
                if (!create) {
                    throw new IllegalArgumentException("there is no pool " + pool + " (see proxy:nodes)");
                }
                c = configurations.getFactoryConfiguration(PoolSettings.FACTORY_PID, pool, "?");
            }
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            PoolSettings current;
            try {
                current = PoolSettings.read(c.getPid(), toMap(props, pool));
            } catch (InvalidSettingException e) {
                throw new IllegalArgumentException(e.getMessage() + "; fix the file first");
            }
            List<NodeSpec> next = change.apply(current.nodes());
            props.put("nodes", PoolSettings.nodesValue(next));
            c.update(props);
        } catch (IOException e) {
            throw new IllegalStateException("the configuration of pool " + pool + " could not be written: " + e.getMessage(), e);
        }
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
