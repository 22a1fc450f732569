package org.gatehouse.turn.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.stun.StunConnection;

/**
 * Allocations by 5-tuple, by id, and their counts per user for the quotas. A 5-tuple is the listener
 * socket and the client's address for UDP, and the connection itself for TCP and TLS; looking one up
 * allocates nothing.
 */
final class AllocationTable {

    private final ConcurrentHashMap<StunConnection, Allocation> streams = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<StunConnection, ConcurrentHashMap<InetSocketAddress, Allocation>> datagrams =
            new ConcurrentHashMap<>();
    final ConcurrentHashMap<Long, Allocation> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
    /** The UDP wildcard sockets (0.0.0.0:P, [::]:P) allocations were made through, for {@link #throughWildcard}. */
    private final java.util.Set<StunConnection> wildcards = ConcurrentHashMap.newKeySet();
    private final AtomicInteger total = new AtomicInteger();

    Allocation get(StunConnection connection, InetSocketAddress client) {
        if (connection.isStream()) {
            return streams.get(connection);
        }
        ConcurrentHashMap<InetSocketAddress, Allocation> m = datagrams.get(connection);
        return m == null ? null : m.get(client);
    }

    void put(Allocation a) {
        if (a.connection.isStream()) {
            streams.put(a.connection, a);
        } else {
            datagrams.computeIfAbsent(a.connection, c -> new ConcurrentHashMap<>()).put(a.client, a);
            InetSocketAddress local = a.connection.localAddress();
            if (local != null && local.getAddress().isAnyLocalAddress()) {
                wildcards.add(a.connection);
            }
        }
        byId.put(a.id, a);
    }

    void remove(Allocation a) {
        if (a.connection.isStream()) {
            streams.remove(a.connection, a);
        } else {
            ConcurrentHashMap<InetSocketAddress, Allocation> m = datagrams.get(a.connection);
            if (m != null) {
                m.remove(a.client, a);
            }
        }
        byId.remove(a.id, a);
    }

    /**
     * The allocation of {@code client} made through a UDP wildcard socket on the port of
     * {@code connection}, a socket on one address, or null. The STUN listener gives each address of
     * this host its own socket beside the wildcard, and one that appears while the server runs (an
     * interface coming up, a virtual address failing over here) gets it within seconds: an allocation
     * made through the wildcard in between then has its client's datagrams arrive on the new socket.
     * Only looked for when {@link #get} found nothing, and only while wildcard allocations exist.
     */
    Allocation throughWildcard(StunConnection connection, InetSocketAddress client) {
        if (wildcards.isEmpty() || connection.isStream()) {
            return null;
        }
        InetSocketAddress local = connection.localAddress();
        if (local == null || local.getAddress().isAnyLocalAddress()) {
            return null;
        }
        for (StunConnection w : wildcards) {
            if (w.localAddress().getPort() == local.getPort()) {
                ConcurrentHashMap<InetSocketAddress, Allocation> m = datagrams.get(w);
                Allocation a = m == null ? null : m.get(client);
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    /** The allocations made through UDP socket {@code connection}. */
    java.util.List<Allocation> datagrams(StunConnection connection) {
        wildcards.remove(connection);
        ConcurrentHashMap<InetSocketAddress, Allocation> m = datagrams.remove(connection);
        return m == null ? java.util.List.of() : java.util.List.copyOf(m.values());
    }

    Allocation stream(StunConnection connection) {
        return streams.get(connection);
    }

    /** Counts one more allocation for {@code user} unless a quota (0: none) is reached. */
    boolean reserve(String user, int userQuota, int totalQuota) {
        if (total.incrementAndGet() > totalQuota && totalQuota > 0) {
            total.decrementAndGet();
            return false;
        }
        boolean[] granted = {true};
        perUser.compute(user, (u, n) -> {
            int count = n == null ? 0 : n;
            if (userQuota > 0 && count >= userQuota) {
                granted[0] = false;
                return n;
            }
            return count + 1;
        });
        if (!granted[0]) {
            total.decrementAndGet();
        }
        return granted[0];
    }

    void release(String user) {
        total.decrementAndGet();
        perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }

    int size() {
        return byId.size();
    }
}
