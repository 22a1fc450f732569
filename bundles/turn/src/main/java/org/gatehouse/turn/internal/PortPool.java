package org.gatehouse.turn.internal;

import java.net.InetAddress;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Relay ports per relay address. A released port rests for {@link #REST_SECONDS} before it is handed
 * out again, so datagrams still on their way to the old allocation cannot reach a new one; a port
 * some other program holds (the bind failed) rests too. Ports are picked at random within the range
 * so that relayed addresses are hard to guess.
 */
final class PortPool {

    static final int REST_SECONDS = 60;

    private static final class Ports {
        final BitSet used = new BitSet(65536);
        /** Used, as the second port of a pair, for a RESERVATION-TOKEN: no socket is bound on it yet. */
        final BitSet reserved = new BitSet(65536);
        final Map<Integer, Long> resting = new HashMap<>();
    }

    private final Map<InetAddress, Ports> byAddress = new HashMap<>();

    /**
     * A free port in [min, max], even when {@code even}, with the next port free too when {@code pair}
     * (both are then taken); -1 when none.
     */
    synchronized int acquire(InetAddress address, int min, int max, boolean even, boolean pair) {
        Ports p = byAddress.computeIfAbsent(address, a -> new Ports());
        long now = System.nanoTime();
        int span = max - min + 1;
        int start = min + ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = min + (start - min + i) % span;
            if (even && (port & 1) != 0) {
                continue;
            }
            if (!free(p, port, now) || (pair && (port + 1 > max || !free(p, port + 1, now)))) {
                continue;
            }
            p.used.set(port);
            if (pair) {
                p.used.set(port + 1);
                p.reserved.set(port + 1);
            }
            return port;
        }
        return -1;
    }


    private static boolean free(Ports p, int port, long now) {
        if (p.used.get(port)) {
            return false;
        }
        Long until = p.resting.get(port);
        if (until == null) {
            return true;
        }
        if (until - now <= 0) {
            p.resting.remove(port);
            return true;
        }
        return false;
    }

    /** The port's allocation ended (or the bind failed): it rests, then is free again. */
    synchronized void release(InetAddress address, int port) {
        Ports p = byAddress.get(address);
        if (p == null) {
            return;
        }
        p.used.clear(port);
        p.reserved.clear(port);
        p.resting.put(port, System.nanoTime() + REST_SECONDS * 1_000_000_000L);
    }

    /** The reserved {@code port} is being bound for the allocation that brought its token. */
    synchronized void binding(InetAddress address, int port) {
        Ports p = byAddress.get(address);
        if (p != null) {
            p.reserved.clear(port);
        }
    }

    /**
     * Whether a relay's socket is (or is being) bound on {@code port} on any relay address. A port
     * only reserved is not: no socket of this server is there, and another program's may be.
     */
    synchronized boolean held(int port) {
        for (Ports p : byAddress.values()) {
            if (p.used.get(port) && !p.reserved.get(port)) {
                return true;
            }
        }
        return false;
    }

    synchronized int inUse() {
        int n = 0;
        for (Ports p : byAddress.values()) {
            n += p.used.cardinality();
        }
        return n;
    }
}
