package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The reverse proxy's pools and nodes: state and counters per node. */
@Component(name = "org.gatehouse.status.proxy", service = {MetricsSource.class, PageSection.class})
public final class ProxyStatus implements MetricsSource, PageSection {

    private final Pools pools;

    @Activate
    public ProxyStatus(@Reference Pools pools) {
        this.pools = pools;
    }

    @Override
    public void collect(Metrics m) {
        for (PoolStatus p : pools.pools()) {
            m.gauge("gatehouse_proxy_pool_nodes", "Nodes in the pool, removed ones still finishing exchanges included.", p.nodes().size(),
                    "pool", p.name());
            m.gauge("gatehouse_proxy_pool_nodes_up", "Nodes of the pool taking new requests; 0 means its routes answer 502 or 503.",
                    p.nodes().stream().filter(n -> n.state().equals("up")).count(), "pool", p.name());
            Set<String> written = new HashSet<>();
            for (NodeStatus n : p.nodes()) {
                if (!written.add(n.address())) {
                    // A removed node still finishing exchanges, added back meanwhile: the pool's own is shown.
                    continue;
                }
                String[] l = {"pool", p.name(), "node", n.address()};
                m.gauge("gatehouse_proxy_node_up", "Whether the node takes new requests (1) or is down, draining or removed (0).",
                        n.state().equals("up") ? 1 : 0, l);
                m.gauge("gatehouse_proxy_node_state", "The node's state as a label (up, down, draining, removed); always 1.", 1,
                        "pool", p.name(), "node", n.address(), "state", n.state());
                m.counter("gatehouse_proxy_node_requests_total", "Requests sent to the node since it joined the pool.", n.requests(), l);
                m.counter("gatehouse_proxy_node_failures_total",
                        "Failed requests (connect, timeout, broken or garbage answer) since the node joined.", n.failures(), l);
                m.gauge("gatehouse_proxy_node_active_requests", "Exchanges in progress on the node, event streams included.",
                        n.activeRequests(), l);
                m.gauge("gatehouse_proxy_node_open_streams", "Event streams and WebSocket connections open through the node.",
                        n.openStreams(), l);
                m.gauge("gatehouse_proxy_node_latency_seconds", "Average time to the response head over the node's recent requests.",
                        n.latencyMicros() / 1e6, l);
                m.gauge("gatehouse_proxy_node_idle_connections", "Kept-alive connections to the node waiting for a request.",
                        n.idleConnections(), l);
            }
        }
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public void render(Html page) {
        page.heading("Proxy");
        List<PoolStatus> all = pools.pools();
        if (all.isEmpty()) {
            page.paragraph("No pools configured.");
        }
        for (PoolStatus p : all) {
            long up = p.nodes().stream().filter(n -> n.state().equals("up")).count();
            page.paragraph("Pool " + p.name() + " (" + String.join(" ", p.routes()) + (p.tls() ? ", TLS to the nodes" : "") + "): "
                    + up + " of " + p.nodes().size() + " node" + (p.nodes().size() == 1 ? "" : "s") + " up");
            if (p.refused() != null) {
                page.problem(p.serving() ? "Its file is refused, it runs on its previous settings: " + p.refused()
                        : "Its file is refused: its routes answer 503 and no node is contacted until it is fixed: " + p.refused());
            }
            if (!p.serving()) {
                continue;
            }
            if (p.nodes().isEmpty()) {
                page.paragraph("No nodes yet: its routes answer 503 (proxy:node-add " + p.name() + " host:port).");
            } else if (up == 0) {
                page.problem("No node of pool " + p.name() + " is up: its requests get 502.");
            }
            List<List<String>> rows = new ArrayList<>();
            for (NodeStatus n : p.nodes()) {
                rows.add(List.of(n.address(), n.state(), n.weight() + (n.backup() ? " (backup)" : ""), Long.toString(n.activeRequests()),
                        Long.toString(n.openStreams()), Long.toString(n.requests()), Long.toString(n.failures()),
                        String.format("%.1f", n.latencyMicros() / 1000.0)));
            }
            if (!rows.isEmpty()) {
                page.table(List.of("Node", "State", "Weight", "Active", "Streams", "Requests", "Failures", "Latency ms"), rows);
            }
        }
    }
}
