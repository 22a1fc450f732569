package org.gatehouse.balancer;

import java.util.List;

/**
 * One pool as it serves now.
 *
 * @param name the pool's name, as in {@code org.gatehouse.balancer.pool-<name>.cfg}
 * @param routes the path prefixes routed to it
 * @param tls whether it speaks TLS to its nodes
 * @param nodes its nodes, including removed ones still finishing exchanges
 * @param refused why the pool's file is not in force, naming the file and key (null: it is in force)
 * @param serving false when the file was refused before the pool ever served: its routes answer 503 and no
 *        node is contacted until the file is fixed; true when it serves (on its previous settings, if refused)
 */
public record PoolStatus(String name, List<String> routes, boolean tls, List<NodeStatus> nodes, String refused, boolean serving) {

    /** A pool whose file is in force. */
    public PoolStatus(String name, List<String> routes, boolean tls, List<NodeStatus> nodes) {
        this(name, routes, tls, nodes, null, true);
    }
}
