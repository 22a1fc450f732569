package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The relay addresses as the TURN start line names them. */
class RelayAddressesTest {

    @Test
    void configuredRelayAddressesAreListedWithWhereClientsReachThem() throws Exception {
        RelayAddresses r = RelayAddresses.of(TurnSettings.read(Map.of("relay-ip", "10.40.0.2, 127.0.0.1", "external-ip", "198.51.100.5/10.40.0.2")));
        assertEquals("10.40.0.2 (reached at 198.51.100.5), 127.0.0.1", r.toString());
    }

    @Test
    void withoutRelayIpTheLineSaysWhichAddressARelayTakesAndWhenTheListServes() throws Exception {
        String line = RelayAddresses.of(TurnSettings.read(Map.of())).toString();
        assertTrue(line.startsWith("the address each Allocate arrived at (relay-ip not set); for the other address family, or through a "
                + "wildcard socket: "), line);
    }
}
