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

    /** The allocations made through UDP socket {@code connection}. */
    java.util.List<Allocation> datagrams(StunConnection connection) {
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
