package org.gatehouse.balancer.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which pool gets each route. The front door gives a path prefix registered twice to one route only
 * (the one registered first), so two pools listing the same route cannot both serve it: the pool that
 * has it keeps it, and the other serves its other routes and gets that one when the first lets it go
 * (its file no longer lists it, or is deleted). Shared by the bundle's pools.
 */
final class RouteClaims {

    /** A route's pool: its name and file, for the log line of the pool that does not get it. */
    record Owner(PoolComponent pool, String name, String source) {
    }

    /** What {@link #claim} gave: the routes the pool gets, those another pool has, and pools that may now get routes it let go. */
    record Result(List<String> granted, Map<String, Owner> taken, List<PoolComponent> retry) {
    }

    private static final Map<String, Owner> owners = new HashMap<>();
    /** Pools that list a route another has, in the order they asked. */
    private static final Set<PoolComponent> waiting = new LinkedHashSet<>();

    private RouteClaims() {
    }

    /** {@code pool} now lists {@code routes}: it gets those no other pool has, and lets go of those it no longer lists. */
    static synchronized Result claim(PoolComponent pool, String name, String source, List<String> routes) {
        boolean freed = owners.entrySet().removeIf(e -> e.getValue().pool() == pool && !routes.contains(e.getKey()));
        List<String> granted = new ArrayList<>();
        Map<String, Owner> taken = new HashMap<>();
        for (String r : routes) {
            Owner o = owners.get(r);
            if (o == null || o.pool() == pool) {
                owners.put(r, new Owner(pool, name, source));
                if (!granted.contains(r)) {
                    granted.add(r);
                }
            } else {
                taken.put(r, o);
            }
        }
        if (taken.isEmpty()) {
            waiting.remove(pool);
        } else {
            waiting.add(pool);
        }
        return new Result(granted, taken, freed ? others(pool) : List.of());
    }

    /** {@code pool} is gone: its routes are free; returns the pools that may now get them. */
    static synchronized List<PoolComponent> release(PoolComponent pool) {
        waiting.remove(pool);
        return owners.values().removeIf(o -> o.pool() == pool) ? others(pool) : List.of();
    }

    private static List<PoolComponent> others(PoolComponent pool) {
        List<PoolComponent> out = new ArrayList<>(waiting);
        out.remove(pool);
        return out;
    }
}
