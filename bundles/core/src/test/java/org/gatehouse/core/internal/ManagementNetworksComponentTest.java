package org.gatehouse.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManagementNetworksComponentTest {

    @Test
    void defaultsToLoopbackOnly() throws Exception {
        ManagementNetworksComponent c = new ManagementNetworksComponent();
        c.activate(null, Map.of());
        assertTrue(c.permits(InetAddress.getByName("127.0.0.1")));
        assertTrue(c.permits(InetAddress.getByName("::1")));
        assertFalse(c.permits(InetAddress.getByName("192.0.2.1")));
    }

    /** An empty list is no management at all, this host's bin/client included: said with a WARN, not an INFO. */
    @Test
    void anEmptyListIsSaidLoudly() throws Exception {
        ManagementNetworksComponent c = new ManagementNetworksComponent();
        c.activate(null, Map.of());
        try (org.gatehouse.core.CapturedLog log = new org.gatehouse.core.CapturedLog()) {
            c.modified(Map.of("management-networks", ""));
            assertFalse(c.permits(InetAddress.getByName("127.0.0.1")));
            assertTrue(log.lines("WARN").stream().anyMatch(l -> l.contains("management networks now none") && l.contains("bin/client")),
                    log.lines().toString());
        }
    }

    @Test
    void aBadListKeepsTheLastGoodOne() throws Exception {
        ManagementNetworksComponent c = new ManagementNetworksComponent();
        c.activate(null, Map.of("management-networks", "10.20.0.0/16"));
        c.modified(Map.of("management-networks", "10.20.0.0/16, nonsense"));
        assertEquals("10.20.0.0/16", c.networks().toString());
        // gatehouse:status lists the refusal until the file is fixed.
        assertEquals(1, c.refused.lines().size());
        String line = c.refused.lines().get(0);
        assertTrue(line.contains("management-networks") && line.contains("nonsense") && line.contains("keeping management networks 10.20.0.0/16"), line);
        c.modified(Map.of("management-networks", "10.30.0.0/16"));
        assertEquals(List.of(), c.refused.lines());
        assertTrue(c.permits(InetAddress.getByName("10.30.1.1")));
        assertFalse(c.permits(InetAddress.getByName("10.20.1.1")));
    }
}
