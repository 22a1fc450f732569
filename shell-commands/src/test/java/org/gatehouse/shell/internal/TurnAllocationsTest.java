package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.gatehouse.turn.AllocationInfo;
import org.junit.jupiter.api.Test;

/** turn:allocations as an operator reads it. */
class TurnAllocationsTest {

    static InetSocketAddress at(String address, int port) {
        return new InetSocketAddress(address, port);
    }

    @Test
    void aRelayBehindExternalIpShowsTheLocalAddressItIsBoundTo() {
        AllocationInfo mapped = new AllocationInfo(7, "alice", "udp", at("203.0.113.5", 40112), at("10.40.0.5", 3478),
                List.of(at("198.51.100.7", 51234), at("2001:db8::7", 51236)), List.of(at("10.40.0.5", 51234), at("2001:db8::7", 51236)),
                Duration.ofSeconds(75), Duration.ofSeconds(525), 1, 1, 10, 1600, 12, 1920);
        AllocationInfo plain = new AllocationInfo(8, "bob", "tcp", at("203.0.113.6", 40113), at("198.51.100.7", 3478),
                List.of(at("198.51.100.7", 51240)), Duration.ofSeconds(3725), Duration.ofSeconds(600), 0, 0, 0, 0, 0, 0);
        String[] lines = TurnCommands.allocationsText(List.of(mapped, plain)).split("\n");
        assertEquals(4, lines.length, String.join("\n", lines));
        assertTrue(lines[1].contains(" 198.51.100.7:51234 (bound 10.40.0.5) [2001:db8::7]:51236 "), lines[1]);
        assertTrue(lines[1].contains(" 1:15 "), lines[1]);
        assertTrue(lines[2].contains(" 198.51.100.7:51240 ") && !lines[2].contains("bound"), lines[2]);
        assertTrue(lines[2].contains(" 1:02:05 "), lines[2]);
        assertEquals("2 allocations", lines[3]);
    }
}
