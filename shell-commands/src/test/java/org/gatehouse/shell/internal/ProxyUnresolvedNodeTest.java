package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.junit.jupiter.api.Test;

/** A node whose host name does not resolve: proxy:nodes shows it unresolved, and proxy:node-add warns of it. */
class ProxyUnresolvedNodeTest {

    private static final PoolStatus POOL = new PoolStatus("conferencing", List.of("/"), true, List.of(
            new NodeStatus("10.40.0.10:443", 1, false, "up", 0, 0, 5, 0, 0, 0),
            new NodeStatus("nodes1.example.invalid:443", 1, false, "unresolved", 0, 0, 0, 0, 0, 0)));

    private static final Pools POOLS = new Pools() {
        @Override
        public List<PoolStatus> pools() {
            return List.of(POOL);
        }

        @Override
        public void addNode(String pool, String node) {
        }

        @Override
        public void removeNode(String pool, String address) {
        }

        @Override
        public void drainNode(String pool, String address) {
        }

        @Override
        public void enableNode(String pool, String address) {
        }
    };

    @Test
    void proxyNodesShowsTheNodeUnresolved() {
        assertEquals("Pool conferencing (TLS to the nodes) serves /\n"
                + "  node                         state      weight active streams   requests failures   latency  idle\n"
                + "  10.40.0.10:443               up              1      0       0          5        0         -     0\n"
                + "  nodes1.example.invalid:443   unresolved      1      0       0          0        0         -     0\n",
                ProxyCommands.nodesText(List.of(POOL)));
    }

    @Test
    void nodeAddWarnsOfANameThatDoesNotResolve() {
        assertEquals("Warning: nodes1.example.invalid does not resolve now: the node gets no requests until it does (looked up again every "
                + "few seconds; the log says why)", ProxyNodeCommand.Add.unresolvedWarning(POOLS, "conferencing", "nodes1.example.invalid:443"));
        assertNull(ProxyNodeCommand.Add.unresolvedWarning(POOLS, "conferencing", "10.40.0.10:443"));
        assertNull(ProxyNodeCommand.Add.unresolvedWarning(POOLS, "other", "nodes1.example.invalid:443"));
    }
}
