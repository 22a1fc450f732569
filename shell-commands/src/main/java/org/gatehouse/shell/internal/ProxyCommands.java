package org.gatehouse.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code proxy:nodes}: every pool's nodes with state, weight, active requests, open streams,
 * failures and latency. The node changes ({@code proxy:node-add} and the rest) are
 * {@link ProxyNodeCommand}s, as a Gogo command name with a hyphen cannot be a method name.
 */
@Component(name = "org.gatehouse.shell.proxy", service = ProxyCommands.class, property = {
        "osgi.command.scope=proxy",
        "osgi.command.function=nodes"
})
public final class ProxyCommands {

    @Reference
    private Pools pools;

    static final Usage NODES = new Usage("proxy:nodes",
            "lists each pool's conferencing nodes: state, weight, active requests, open streams, failures (and why the last), latency", 0, 0);

    @Descriptor("list each pool's conferencing nodes: state, weight, active requests, open streams, failures, latency")
    public void nodes(Object... arguments) {
        if (NODES.arguments(arguments) != null) {
            System.out.print(nodesText(pools.pools()));
        }
    }

    static String nodesText(List<PoolStatus> list) {
        return nodesText(list, Instant.now());
    }

    /** How long before {@code now} {@code at} was, in whole seconds, minutes, hours or days. */
    static String ago(Instant at, Instant now) {
        long s = Math.max(0, Duration.between(at, now).getSeconds());
        return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s < 172_800 ? s / 3600 + " h ago" : s / 86_400 + " days ago";
    }

    static String nodesText(List<PoolStatus> list, Instant now) {
        if (list.isEmpty()) {
            return "No pools configured (etc/org.gatehouse.balancer.pool-<name>.cfg).\n";
        }
        StringBuilder out = new StringBuilder();
        for (PoolStatus p : list) {
            if (!p.serving()) {
                out.append(String.format("Pool %s serves %s: REFUSED, %s%n", p.name(), p.routes().isEmpty() ? "nothing" : String.join(" ", p.routes()),
                        p.refused()));
                out.append("  its file is not in force: ").append(p.routes().isEmpty() ? "it serves nothing" : "its routes answer 503, no node is contacted")
                        .append(", and proxy:node-* commands are refused until the file is fixed\n");
                continue;
            }
            out.append(String.format("Pool %s (%s to the nodes) serves %s%n", p.name(), p.tls() ? "TLS" : "plain HTTP",
                    p.routes().isEmpty() ? "nothing (its routes are another pool's, or it lists none: see the log)" : String.join(" ", p.routes())));
            if (p.refused() != null) {
                out.append("  file refused, running on its previous settings: ").append(p.refused()).append('\n');
            }
            if (p.nodes().isEmpty()) {
                out.append("  no nodes: requests get 503 until one is added (proxy:node-add ").append(p.name()).append(" host:port)\n");
                continue;
            }
            out.append(String.format("  %-28s %-10s %6s %6s %7s %10s %8s %9s %5s%n", "node", "state", "weight", "active", "streams",
                    "requests", "failures", "latency", "idle"));
            for (NodeStatus n : p.nodes()) {
                out.append(String.format("  %-28s %-10s %6s %6d %7d %10d %8d %9s %5d%n", n.address(), n.state(),
                        n.weight() + (n.backup() ? "b" : ""), n.activeRequests(), n.openStreams(), n.requests(), n.failures(),
                        n.latencyMicros() == 0 ? "-" : n.latencyMicros() < 10_000 ? n.latencyMicros() + " us" : n.latencyMicros() / 1000 + " ms",
                        n.idleConnections()));
                if (n.lastFailure() != null) {
                    // The client's 502/504 page says only the kind of failure: the node's reason is here.
                    out.append("    last failure ").append(ago(n.lastFailureAt(), now)).append(": ").append(n.lastFailure()).append('\n');
                }
            }
        }
        return out.toString();
    }
}
