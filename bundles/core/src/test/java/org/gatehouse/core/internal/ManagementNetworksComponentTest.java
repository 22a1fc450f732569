package org.gatehouse.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManagementNetworksComponentTest {

    @Test
    void defaultsToLoopbackOnly() throws Exception {
        ManagementNetworksComponent c = new ManagementNetworksComponent();
        c.activate(Map.of());
        assertTrue(c.permits(InetAddress.getByName("127.0.0.1")));
        assertTrue(c.permits(InetAddress.getByName("::1")));
        assertFalse(c.permits(InetAddress.getByName("192.0.2.1")));
    }

    @Test
    void aBadListKeepsTheLastGoodOne() throws Exception {
        ManagementNetworksComponent c = new ManagementNetworksComponent();
        c.activate(Map.of("management-networks", "10.20.0.0/16"));
        c.modified(Map.of("management-networks", "10.20.0.0/16, nonsense"));
        assertEquals("10.20.0.0/16", c.networks().toString());
        c.modified(Map.of("management-networks", "10.30.0.0/16"));
        assertTrue(c.permits(InetAddress.getByName("10.30.1.1")));
        assertFalse(c.permits(InetAddress.getByName("10.20.1.1")));
    }
}
