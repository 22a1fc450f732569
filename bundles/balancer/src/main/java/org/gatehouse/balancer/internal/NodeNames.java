package org.gatehouse.balancer.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Looks up the host names of a pool's nodes on the pool's own thread, never on an I/O thread: a slow or
 * dead DNS server would otherwise stall every connection of the I/O thread that asked. A node's name
 * is looked up when it joins the pool or its entry changes, then every {@link #refreshMillis} (a
 * changed DNS answer applies within a minute), and every {@link #retryMillis} while it fails. Requests
 * use the last address found; a node whose name does not resolve gets none meanwhile. Nodes given as
 * IP addresses are never looked up.
 */
final class NodeNames {

    /** A host name lookup, every address of the answer; {@link #SYSTEM} is the JDK's (the system's resolver and its cache). */
    interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    static final Lookup SYSTEM = InetAddress::getAllByName;

    private final Lookup lookup;
    private final long refreshMillis;
    private final long retryMillis;
    private final Runnable changed;
    /** The pool's own thread (PoolComponent's, which shuts it down). */
    private final ScheduledExecutorService thread;
    /** No more lookups: the pool is gone. Guarded by this. */
    private volatile boolean closed;
    /**
     * Each named node's next lookup, with the number of the {@link #watch} that started its chain: a
     * lookup under way when the node is watched again does not start a second chain. Guarded by this.
     */
    private final Map<Node, Chain> next = new HashMap<>();
    private long chains;

    private record Chain(long number, ScheduledFuture<?> future) {
    }
    /** The pool's file, which the log lines name. */
    private volatile String source = "";

    /**
     * @param changed told when a node's name stops or starts resolving (the pool's Problems follow)
     */
    NodeNames(ScheduledExecutorService thread, Lookup lookup, long refreshMillis, long retryMillis, Runnable changed) {
        this.thread = thread;
        this.lookup = lookup;
        this.refreshMillis = refreshMillis;
        this.retryMillis = retryMillis;
        this.changed = changed;
    }

    void source(String file) {
        source = file;
    }

    /** Looks the node's name up now (it joined the pool, or its entry changed), then as often as it needs. */
    synchronized void watch(Node n) {
        if (!n.named() || closed) {
            return;
        }
        Chain c = next.remove(n);
        if (c != null) {
            c.future().cancel(false);
        }
        long number = ++chains;
        next.put(n, new Chain(number, thread.schedule(() -> look(n, number), 0, TimeUnit.MILLISECONDS)));
    }

    /** The node left the pool: no more lookups (the pool states its Problems again after each change). */
    synchronized void forget(Node n) {
        Chain c = next.remove(n);
        if (c != null) {
            c.future().cancel(false);
        }
    }

    synchronized void close() {
        next.values().forEach(c -> c.future().cancel(false));
        next.clear();
        closed = true;
    }

    private void look(Node n, long chain) {
        if (n.removed()) {
            return;
        }
        String host = n.spec().host();
        boolean ok;
        try {
            InetAddress[] answer = lookup.lookup(host);
            if (answer.length == 0) {
                throw new UnknownHostException(host + ": no address");
            }
            // A name with several addresses (round-robin DNS) whose answer comes in another order
            // each time keeps the one in use while it is among them: no reconnecting, no log line.
            InetAddress a = n.keptAmong(answer);
            ok = true;
            String before = n.resolved(a);
            if (before != null) {
                Balancer.LOG.info("Balancer: {}: nodes: host {} resolves again ({}); node {} takes requests", source, host, a.getHostAddress(),
                        n.address());
                if (!closed) {
                    changed.run();
                }
            } else {
                Balancer.LOG.debug("Balancer: node {} is at {}", n.address(), a.getHostAddress());
            }
        } catch (UnknownHostException | RuntimeException e) {
            ok = false;
            if (n.unresolvable(reason(host, e))) {
                InetSocketAddress last = n.addressKnown() ? n.socketAddress() : null;
                if (last == null) {
                    Balancer.LOG.warn("Balancer: {}: nodes: host {} does not resolve ({}); node {} gets no requests until it does (looked up "
                            + "again every {} s)", source, host, n.unresolved(), n.address(), Math.max(1, retryMillis / 1000));
                } else {
                    Balancer.LOG.warn("Balancer: {}: nodes: host {} does not resolve now ({}); node {} keeps its last address {} until it "
                            + "does (looked up again every {} s)", source, host, n.unresolved(), n.address(), last.getAddress().getHostAddress(),
                            Math.max(1, retryMillis / 1000));
                }
                if (!closed) {
                    // Not for a pool that has gone meanwhile (its lookup outlived it).
                    changed.run();
                }
            }
        }
        synchronized (this) {
            Chain c = next.get(n);
            if (c != null && c.number() == chain && !closed) {
                next.put(n, new Chain(chain, thread.schedule(() -> look(n, chain), ok ? refreshMillis : retryMillis, TimeUnit.MILLISECONDS)));
            }
        }
    }

    /** The lookup's reason in plain words: the resolver's message without the host it repeats. */
    static String reason(String host, Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.equals(host)) {
            return e instanceof UnknownHostException ? "no such host name" : e.toString();
        }
        return m.startsWith(host + ": ") ? m.substring(host.length() + 2) : m;
    }
}
