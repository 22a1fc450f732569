package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.junit.jupiter.api.Test;

/** proxy:nodes and gatehouse:status for a pool whose file is refused. */
class ProxyRefusedPoolTest {

    private static final String REASON = "etc/org.gatehouse.balancer.pool-conferencing.cfg: max-fails = '-1' is out of range (0 to 1000)";
    private static final List<String> ROUTES = List.of("/api/", "/webapp/", "/static/", "/");

    private static NodeStatus node() {
        return new NodeStatus("10.40.0.10:443", 1, false, "up", 0, 0, 5, 0, 0, 0);
    }

    private static Pools pools(PoolStatus... status) {
        return new Pools() {
            @Override
            public List<PoolStatus> pools() {
                return List.of(status);
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
    }

    @Test
    void aPoolRefusedAtStartIsListedAsRefusedWithItsReason() {
        String text = ProxyCommands.nodesText(List.of(new PoolStatus("conferencing", ROUTES, false, List.of(), REASON, false)));
        assertEquals("Pool conferencing serves /api/ /webapp/ /static/ /: REFUSED, " + REASON + "\n"
                + "  its file is not in force: its routes answer 503, no node is contacted, and proxy:node-* commands are refused until the "
                + "file is fixed\n", text);

        FeatureStatus.Proxy status = new FeatureStatus.Proxy();
        status.pools = pools(new PoolStatus("conferencing", ROUTES, false, List.of(), REASON, false));
        assertEquals(List.of("pool conferencing (/api/ /webapp/ /static/ /): its file is refused, its routes answer 503"), status.report().lines());
    }

    @Test
    void aPoolRefusedLiveShowsTheRefusalAboveItsNodes() {
        String text = ProxyCommands.nodesText(List.of(new PoolStatus("conferencing", ROUTES, true, List.of(node()), REASON, true)));
        assertTrue(text.startsWith("Pool conferencing (TLS to the nodes) serves /api/ /webapp/ /static/ /\n"
                + "  file refused, running on its previous settings: " + REASON + "\n  node "), text);
        assertTrue(text.contains("10.40.0.10:443"), text);

        FeatureStatus.Proxy status = new FeatureStatus.Proxy();
        status.pools = pools(new PoolStatus("conferencing", ROUTES, true, List.of(node()), REASON, true));
        List<String> lines = status.report().lines();
        assertEquals("  its file is refused: running on its previous settings (see Problems)", lines.get(1), lines.toString());

        status.pools = pools(new PoolStatus("conferencing", ROUTES, true, List.of(node())));
        assertEquals(1, status.report().lines().size(), status.report().lines().toString());
        assertTrue(ProxyCommands.nodesText(List.of(new PoolStatus("conferencing", ROUTES, true, List.of(node())))).split("\n")[1].startsWith("  node "));
    }
}
