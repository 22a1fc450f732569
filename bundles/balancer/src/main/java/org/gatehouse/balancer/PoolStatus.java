package org.gatehouse.balancer;

import java.util.List;

/**
 * One pool as it serves now.
 *
 * @param name the pool's name, as in {@code org.gatehouse.balancer.pool-<name>.cfg}
 * @param routes the path prefixes routed to it
 * @param tls whether it speaks TLS to its nodes
 * @param nodes its nodes, including removed ones still finishing exchanges
 */
public record PoolStatus(String name, List<String> routes, boolean tls, List<NodeStatus> nodes) {
}
