package org.gatehouse.balancer.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;

/**
 * A pool's nodes and the choice of the next one: smooth weighted round robin (nginx's algorithm) over
 * the primary nodes that are up, the backup nodes when none is, or a node fixed by the client's
 * address when the pool is sticky. Settings are replaced whole; nodes that stay keep their counters,
 * connections and health, removed ones finish what they serve.
 */
final class Pool {

    private volatile PoolSettings settings;
    private volatile UpstreamTls tls;
    private Node[] nodes = new Node[0];
    private final List<Node> leaving = new ArrayList<>();
    /** Looks up the nodes' host names; null: names are never looked up (tests of the choice alone). */
    private final NodeNames names;

    Pool(PoolSettings settings, UpstreamTls tls) {
        this(settings, tls, null);
    }

    Pool(PoolSettings settings, UpstreamTls tls, NodeNames names) {
        this.names = names;
        apply(settings, tls);
    }

    PoolSettings settings() {
        return settings;
    }

    UpstreamTls tls() {
        return tls;
    }

    String name() {
        return settings.name();
    }

    /** Puts new settings in force: nodes added, changed and removed; kept-alive connections closed if TLS changed. */
    synchronized void apply(PoolSettings s, UpstreamTls newTls) {
        Map<String, Node> old = new LinkedHashMap<>();
        for (Node n : nodes) {
            old.put(n.address(), n);
        }
        boolean tlsChanged = tls != null && tls != newTls;
        if (names != null) {
            names.source(s.source());
        }
        Node[] next = new Node[s.nodes().size()];
        for (int i = 0; i < next.length; i++) {
            NodeSpec spec = s.nodes().get(i);
            Node n = old.remove(spec.address());
            if (n == null) {
                n = new Node(spec);
                if (tls != null) {
                    Balancer.LOG.info("Balancer: pool {} adds node {}", s.name(), spec);
                }
                if (names != null) {
                    names.watch(n);
                }
            } else {
                boolean changed = !n.spec().equals(spec);
                if (changed) {
                    Balancer.LOG.info("Balancer: pool {} node {} is now {}", s.name(), spec.address(), spec);
                }
                boolean drained = spec.drain() && !n.spec().drain();
                n.spec(spec);
                if (changed && names != null) {
                    names.watch(n);
                }
                if (tlsChanged || drained) {
                    // A drained node gets no new requests: its kept-alive connections have nothing left to carry.
                    n.closeIdle();
                }
            }
            next[i] = n;
        }
        // Nodes removed before whose last exchanges have ended: kept only while they show something.
        leaving.removeIf(n -> n.active() == 0);
        for (Node gone : old.values()) {
            gone.remove();
            gone.closeIdle();
            if (names != null) {
                names.forget(gone);
            }
            leaving.add(gone);
            Balancer.LOG.info("Balancer: pool {} removes node {}; its {} open exchange(s) go on until they end", s.name(), gone.address(),
                    gone.active());
        }
        nodes = next;
        settings = s;
        tls = newTls;
    }

    /** Every node leaves (the pool's configuration was deleted); open exchanges go on. */
    synchronized void close() {
        for (Node n : nodes) {
            n.remove();
            n.closeIdle();
        }
    }

    boolean isEmpty() {
        return settings.nodes().isEmpty();
    }

    /**
     * The node for the next request, or null when none can take it. {@code tried} nodes (this
     * request failed on them) are skipped.
     */
    synchronized Node choose(InetAddress client, Set<Node> tried) {
        long now = System.nanoTime();
        Node n = pick(now, false, client, tried);
        return n != null ? n : pick(now, true, client, tried);
    }

    private Node pick(long now, boolean backup, InetAddress client, Set<Node> tried) {
        if (settings.sticky() && client != null) {
            return sticky(now, backup, client, tried);
        }
        Node best = null;
        int total = 0;
        for (Node n : nodes) {
            if (n.spec().backup() != backup || !n.available(now) || tried.contains(n)) {
                continue;
            }
            int w = n.spec().weight();
            n.currentWeight += w;
            total += w;
            if (best == null || n.currentWeight > best.currentWeight) {
                best = n;
            }
        }
        if (best != null) {
            best.currentWeight -= total;
        }
        return best;
    }

    /**
     * A sticky client's node: weighted rendezvous hashing. Each node available to it scores
     * {@code weight / -ln(u)}, u a hash of the client's address and the node's in (0, 1); the highest
     * wins. A client keeps its node while that node is up; when it is down, drained or removed, only
     * its own clients move (each to its next best); a node added takes over only the clients it now
     * wins, about its share of them.
     */
    private Node sticky(long now, boolean backup, InetAddress client, Set<Node> tried) {
        long c = 0;
        for (byte b : client.getAddress()) {
            c = c * 31 + (b & 0xff);
        }
        c = mix(c);
        Node best = null;
        double bestScore = -1;
        for (Node n : nodes) {
            if (n.spec().backup() != backup || !n.available(now) || tried.contains(n)) {
                continue;
            }
            double u = ((mix(c ^ n.stickyHash) >>> 11) + 0.5) * 0x1.0p-53;
            double score = n.spec().weight() / -Math.log(u);
            if (score > bestScore) {
                best = n;
                bestScore = score;
            }
        }
        return best;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit moves every output bit. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Whether a node that could take requests has no address yet only because its name's first lookup
     * is under way (the pool was just configured, or the node just added): a request that finds no node
     * available may wait for it rather than get a 502 in the moment after start or node-add.
     */
    synchronized boolean firstLookupPending() {
        for (Node n : nodes) {
            if (!n.removed() && !n.spec().drain() && n.firstLookupPending()) {
                return true;
            }
        }
        return false;
    }

    synchronized PoolStatus status() {
        List<NodeStatus> out = new ArrayList<>();
        for (Node n : nodes) {
            out.add(n.status());
        }
        leaving.removeIf(n -> n.active() == 0);
        for (Node n : leaving) {
            out.add(n.status());
        }
        return new PoolStatus(settings.name(), settings.routes(), settings.tls().enabled(), out);
    }

    synchronized Node node(String address) {
        for (Node n : nodes) {
            if (n.address().equals(address)) {
                return n;
            }
        }
        return null;
    }

    synchronized List<Node> nodes() {
        return List.of(nodes);
    }
}
