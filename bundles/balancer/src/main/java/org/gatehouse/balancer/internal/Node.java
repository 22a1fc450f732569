package org.gatehouse.balancer.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.balancer.NodeStatus;

/**
 * One conferencing node of a pool: its settings, health, counters and kept-alive connections. The
 * connections are kept per event loop and only touched from that loop, so a client connection's
 * exchange reuses a node connection of its own thread. Health and counters are shared by all loops.
 */
final class Node {

    private final String address;
    private volatile NodeSpec spec;
    /** Whether its host is a name (looked up by {@link NodeNames}), not an IP literal. */
    private final boolean named;
    /** The last address its host resolved to; null until the first lookup succeeds. */
    private volatile InetSocketAddress socketAddress;
    /** Why the last lookup of its host failed (it gets no requests meanwhile); null once it resolves. */
    private volatile String unresolved;
    private static final String NOT_LOOKED_UP = "its name is being looked up";
    /** Open until the first lookup of its host has a result (for proxy:node-add's word on it). */
    private final CountDownLatch lookedUp = new CountDownLatch(1);

    /** Smooth weighted round robin state; guarded by the pool. */
    int currentWeight;

    private final Object health = new Object();
    private long windowStart;
    private int windowFailures;
    private volatile long downUntilNanos;
    private volatile boolean checkDown;
    private int checkStreak;
    private volatile boolean removed;
    /** Its last failure, for proxy:nodes; null: none since it joined. */
    private volatile Failure lastFailure;

    private record Failure(String why, Instant at) {
    }

    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong streams = new AtomicLong();
    private volatile long latencyNanos;

    private final ConcurrentHashMap<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();

    /** The node's place in sticky choices ({@link Pool}): a mix of its address, the same in every run. */
    final long stickyHash;

    Node(NodeSpec spec) {
        this.address = spec.address();
        this.spec = spec;
        this.stickyHash = Pool.mix(address.hashCode() * 0x9E3779B97F4A7C15L);
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(spec.host());
        this.named = literal == null;
        if (literal != null) {
            // An IP literal is its own address: no lookup, ever.
            socketAddress = new InetSocketAddress(literal, spec.port());
            lookedUp.countDown();
        } else {
            unresolved = NOT_LOOKED_UP;
        }
    }

    String address() {
        return address;
    }

    NodeSpec spec() {
        return spec;
    }

    void spec(NodeSpec spec) {
        this.spec = spec;
    }

    /**
     * The address to connect to: the last one its host resolved to ({@link NodeNames} looks names up
     * away from the I/O threads), never a lookup here. Unresolved (connecting fails at once, without a
     * lookup) only for a node whose name never resolved, which is not chosen for requests.
     */
    InetSocketAddress socketAddress() {
        InetSocketAddress a = socketAddress;
        return a != null ? a : InetSocketAddress.createUnresolved(spec.host(), spec.port());
    }

    boolean named() {
        return named;
    }

    /** The address in use when it is among {@code answer} (a lookup's addresses, at least one), else the answer's first. */
    InetAddress keptAmong(InetAddress[] answer) {
        InetSocketAddress now = socketAddress;
        if (now != null) {
            for (InetAddress a : answer) {
                if (a.equals(now.getAddress())) {
                    return a;
                }
            }
        }
        return answer[0];
    }

    /**
     * Its host resolved to {@code a}. Returns why it did not before (a failure episode ends), or null
     * when it did (or this is the first lookup).
     */
    String resolved(InetAddress a) {
        String before = unresolved;
        InetSocketAddress was = socketAddress;
        socketAddress = new InetSocketAddress(a, spec.port());
        if (was != null && !was.getAddress().equals(a)) {
            // Its name moved: kept-alive connections go to where it was.
            Balancer.LOG.info("Balancer: node {} is now at {} (was {})", address, a.getHostAddress(), was.getAddress().getHostAddress());
            closeIdle();
        }
        unresolved = null;
        lookedUp.countDown();
        return before != NOT_LOOKED_UP ? before : null;
    }

    /** Its host did not resolve ({@code why}). Returns whether this starts a failure episode (the last lookup succeeded, or none was made). */
    boolean unresolvable(String why) {
        String before = unresolved;
        unresolved = why;
        lookedUp.countDown();
        return before == null || before == NOT_LOOKED_UP;
    }

    /**
     * Whether it has an address to connect to: an IP literal, or a name that resolved at least once.
     * A name that stops resolving later (a DNS outage) keeps its last address, as nginx does: a
     * resolver's bad minute takes no node out.
     */
    boolean addressKnown() {
        return socketAddress != null;
    }

    /** Why the last lookup of its host failed, or null: it resolved, or the first lookup is under way. */
    String lookupFailure() {
        String u = unresolved;
        return u == NOT_LOOKED_UP ? null : u;
    }

    /** Its name has not been looked up yet (it joined the pool, or its entry changed, moments ago): no address so far. */
    boolean firstLookupPending() {
        return unresolved == NOT_LOOKED_UP;
    }

    /** Why its host does not resolve now (it gets no requests), or null when it does. */
    String unresolved() {
        return unresolved;
    }

    /** Waits up to {@code millis} for the first lookup of its host; returns whether it has a result. */
    boolean awaitLookup(long millis) throws InterruptedException {
        return lookedUp.await(millis, TimeUnit.MILLISECONDS);
    }

    // ---- health

    /** Whether new requests may go here now (not drained, removed, down, or with a host name that does not resolve). */
    boolean available(long now) {
        return !removed && !spec.drain() && (unresolved == null || socketAddress != null) && !checkDown && now - downUntilNanos >= 0;
    }

    boolean removed() {
        return removed;
    }

    void remove() {
        removed = true;
    }

    /**
     * Counts a failure; {@code maxFails} of them within {@code failTimeout} seconds take the node out
     * for {@code failTimeout} seconds (nginx's passive health). {@code maxFails} 0 never does.
     */
    void failed(String why, int maxFails, int failTimeoutSeconds) {
        failures.increment();
        lastFailure = new Failure(why, Instant.now());
        if (maxFails <= 0) {
            return;
        }
        long now = System.nanoTime();
        long window = failTimeoutSeconds * 1_000_000_000L;
        synchronized (health) {
            if (windowFailures == 0 || now - windowStart > window) {
                windowStart = now;
                windowFailures = 0;
            }
            windowFailures++;
            if (windowFailures >= maxFails) {
                downUntilNanos = now + window;
                windowFailures = 0;
                Balancer.LOG.warn("Balancer: node {} is down for {} s after {} failure(s): {}", address, failTimeoutSeconds, maxFails, why);
            }
        }
    }

    /** A request got its answer: the failure window starts again. */
    void succeeded(long nanosToHead) {
        long l = latencyNanos;
        latencyNanos = l == 0 ? nanosToHead : l + (nanosToHead - l) / 8;
        // Read without the lock as a hint: only a failure window under way needs resetting, and the
        // I/O threads should not take a shared monitor for every answer.
        if (windowFailures != 0) {
            synchronized (health) {
                windowFailures = 0;
            }
        }
    }

    /** An active check's result; {@code rise} passes bring a node back, {@code fall} failures take it out. */
    void checked(boolean ok, int rise, int fall, String why) {
        synchronized (health) {
            if (ok == !checkDown) {
                checkStreak = 0;
                return;
            }
            checkStreak++;
            if (ok && checkStreak >= rise) {
                checkDown = false;
                checkStreak = 0;
                downUntilNanos = System.nanoTime();
                Balancer.LOG.info("Balancer: node {} is up again (health check passed {} time(s))", address, rise);
            } else if (!ok && checkStreak >= fall) {
                checkDown = true;
                checkStreak = 0;
                lastFailure = new Failure("health check: " + why, Instant.now());
                Balancer.LOG.warn("Balancer: node {} is down: health check failed {} time(s): {}", address, fall, why);
            }
        }
    }

    /** Forgets failures (the operator enabled the node again). */
    void reset() {
        synchronized (health) {
            windowFailures = 0;
            downUntilNanos = System.nanoTime();
            checkDown = false;
            checkStreak = 0;
        }
    }

    /** Health checks were turned off: what they concluded no longer counts. */
    void clearChecks() {
        synchronized (health) {
            checkDown = false;
            checkStreak = 0;
        }
    }

    /** Why it last failed, or "" when it has not. */
    String lastFailure() {
        Failure f = lastFailure;
        return f == null ? "" : f.why();
    }

    // ---- counters

    void started() {
        requests.increment();
        active.incrementAndGet();
    }

    void ended() {
        active.decrementAndGet();
    }

    void streamOpened() {
        streams.incrementAndGet();
    }

    void streamClosed() {
        streams.decrementAndGet();
    }

    long active() {
        return active.get();
    }

    // ---- kept-alive connections, each list touched only from its own event loop

    /** The kept-alive connections now (for tests). */
    List<Channel> idleConnections() {
        List<Channel> all = new ArrayList<>();
        for (Map.Entry<EventLoop, ArrayDeque<Channel>> e : idle.entrySet()) {
            try {
                all.addAll(e.getKey().submit(() -> new ArrayList<>(e.getValue())).get());
            } catch (InterruptedException | java.util.concurrent.ExecutionException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return all;
    }

    /** A kept-alive connection of this loop made with the pool's current TLS settings, or null. */
    Channel takeIdle(EventLoop loop, UpstreamTls tls) {
        ArrayDeque<Channel> q = idle.get(loop);
        if (q == null) {
            return null;
        }
        Channel c;
        while ((c = q.pollLast()) != null) {
            if (c.isActive() && c.pipeline().get(UpstreamHandler.class).tls == tls && toAddressNow(c)) {
                return c;
            }
            c.close();
        }
        return null;
    }

    /**
     * Whether kept-alive connection {@code c} goes to the address the node's name has now: one that
     * was busy when the name moved was not among the idle ones {@link #resolved} closed, and came back
     * to the pool afterwards.
     */
    private boolean toAddressNow(Channel c) {
        if (!named) {
            return true;
        }
        InetSocketAddress now = socketAddress;
        return now == null || c.remoteAddress() instanceof InetSocketAddress r && r.getAddress().equals(now.getAddress());
    }

    /** Keeps a connection for the next request of this loop, unless {@code max} are kept or the node left or drains. */
    boolean park(EventLoop loop, Channel c, int max) {
        if (removed || spec.drain() || max <= 0) {
            return false;
        }
        ArrayDeque<Channel> q = idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
        if (q.size() >= max) {
            return false;
        }
        q.addLast(c);
        if (removed || spec.drain()) {
            // Removed or drained meanwhile from another thread, whose closeIdle may have looked
            // before this loop's queue existed: not kept.
            q.remove(c);
            return false;
        }
        return true;
    }

    void unpark(EventLoop loop, Channel c) {
        ArrayDeque<Channel> q = idle.get(loop);
        if (q != null) {
            q.remove(c);
        }
    }

    /** Closes the kept-alive connections (node removed or drained, or the pool's TLS settings changed). */
    void closeIdle() {
        idle.forEach((loop, q) -> loop.execute(() -> {
            Channel c;
            while ((c = q.pollFirst()) != null) {
                c.close();
            }
        }));
    }

    int idleCount() {
        int n = 0;
        for (ArrayDeque<Channel> q : idle.values()) {
            n += q.size();
        }
        return n;
    }

    NodeStatus status() {
        NodeSpec s = spec;
        String state = removed ? "removed" : s.drain() ? "draining" : !addressKnown() ? "unresolved" : available(System.nanoTime()) ? "up" : "down";
        Failure f = lastFailure;
        return new NodeStatus(address, s.weight(), s.backup(), state, active.get(), streams.get(), requests.sum(), failures.sum(),
                latencyNanos / 1000, idleCount(), f == null ? null : f.why(), f == null ? null : f.at());
    }
}
