package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a turn.cfg that cannot be used: refused at start, nothing relays (not the
 * built-in defaults, which would relay in another realm to no conferencing node); refused live, the
 * running settings stay. Either way a Problem names the file and key until a good file is taken.
 * Also relay-ip and external-ip values that cannot work as meant.
 */
class RefusedConfigurationTest {

    @Test
    void aFileRefusedAtStartRelaysNothingUntilItIsFixed() throws Exception {
        try (LogCapture log = new LogCapture(); TestTurn turn = new TestTurn("max-bps", "-1"); TurnClient c = turn.client()) {
            assertNull(turn.turn.server(), "no relay runs on the built-in defaults");
            assertFalse(turn.turn.enabled());
            String problem = turn.turn.configurationProblem();
            assertNotNull(problem);
            assertTrue(problem.contains("max-bps = '-1'") && problem.contains("TURN is off until the file is fixed"), problem);
            assertEquals(List.of(problem), turn.turn.problems());
            assertEquals(1, log.lines("ERROR", "max-bps = '-1'", "TURN is off until the file is fixed").size(),
                    log.lines("max-bps").toString());
            assertTrue(log.lines("built-in").isEmpty(), log.lines("built-in").toString());

            StunMessage answer = c.allocate();
            assertNotNull(answer, "Allocate is answered");
            assertEquals(508, TurnClient.code(answer));
            assertEquals(NoRelay.REASON, answer.string(answer.find(org.gatehouse.stun.message.Attribute.ERROR_CODE)).substring(4));
            assertEquals(437, TurnClient.code(c.refresh(600)), "no allocation to refresh");
            StunMessage binding = c.exchange(c.request(Method.BINDING, TurnClient.newTransaction(), false, w -> { }));
            assertNotNull(binding, "STUN goes on");
            assertEquals(0, TurnClient.code(binding));

            String users = Files.readString(turn.users);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> turn.turn.add("carol", "pw", null));
            assertTrue(e.getMessage().contains("max-bps") && e.getMessage().contains("nothing written"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> turn.turn.remove("alice"));
            assertEquals(users, Files.readString(turn.users), "no line written for a realm not in force");
            assertEquals(TurnServerComponent.NO_REALM, turn.turn.realm());

            turn.reconfigure("max-bps", "0");
            assertNotNull(turn.turn.server(), "a good file is taken");
            assertTrue(turn.turn.enabled());
            assertNull(turn.turn.configurationProblem());
            assertEquals(List.of(), turn.turn.problems());
            assertEquals(TestTurn.REALM, turn.turn.realm());
            try (TurnClient again = turn.client()) {
                assertEquals(0, TurnClient.code(again.allocate()), "and relays in the file's realm");
            }
            turn.turn.add("carol", "pw", null);
            assertTrue(Files.readString(turn.users).contains("carol:0x"));
        }
    }

    @Test
    void aFileRefusedLiveKeepsTheRunningSettingsAndIsAProblemUntilAGoodOneIsTaken() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client()) {
            assertEquals(0, TurnClient.code(c.allocate()));
            assertEquals(List.of(), turn.turn.problems());
            turn.reconfigure("max-bps", "-1", "realm", "corp.example");
            String problem = turn.turn.configurationProblem();
            assertNotNull(problem);
            assertTrue(problem.contains("max-bps = '-1'") && problem.contains("running on the previous settings"), problem);
            assertEquals(List.of(problem), turn.turn.problems());
            assertEquals(TestTurn.REALM, turn.turn.realm(), "the running realm stays");
            assertTrue(turn.turn.enabled());
            assertEquals(0, TurnClient.code(c.refresh(600)), "and relays on");
            String users = Files.readString(turn.users);
            assertThrows(IllegalArgumentException.class, () -> turn.turn.add("carol", "pw", null));
            assertEquals(users, Files.readString(turn.users));

            turn.reconfigure("max-bps", "0");
            assertNull(turn.turn.configurationProblem());
            assertEquals(List.of(), turn.turn.problems(), "cleared when a good file is taken");
            assertEquals("corp.example", turn.turn.realm());
        }
    }

    /**
     * A relay-ip no interface has is taken with a warning and a Problem, not refused: a virtual address
     * (keepalived) comes to this host on failover, and refusing the file would leave TURN off, or on
     * its previous settings, after it came. Allocates on it get 508 meanwhile.
     */
    @Test
    void aRelayIpThatIsNoAddressOfThisHostIsAWarningAndAProblem() throws Exception {
        assertEquals(List.of(InetAddress.getByName("127.0.0.5")), TurnSettings.read(Map.of("relay-ip", "127.0.0.5")).relayIps(),
                "loopback answers for the whole of 127.0.0.0/8");
        assertEquals(List.of(), RelayAddresses.notOnThisHost(TurnSettings.read(Map.of("relay-ip", "127.0.0.5"))));

        try (LogCapture log = new LogCapture(); TestTurn turn = new TestTurn(); TurnClient c = turn.client()) {
            turn.reconfigure("relay-ip", "192.0.2.55");
            assertNull(turn.turn.configurationProblem(), "taken, not refused");
            List<String> problems = turn.turn.problems();
            assertEquals(1, problems.size(), problems.toString());
            // Begins with the file, as every Problem about a configuration file does.
            assertTrue(problems.get(0).startsWith(TurnSettings.read(Map.of()).source() + ": relay-ip = '192.0.2.55' is not an address of this host now"),
                    problems.get(0));
            assertEquals(1, log.lines("WARN", "relay-ip = '192.0.2.55' is not an address of this host now").size(), log.lines("192.0.2.55").toString());
            assertEquals(508, TurnClient.code(c.allocate()));
            turn.reconfigure("relay-ip", "127.0.0.1");
            assertEquals(List.of(), turn.turn.problems(), "an address of this host again");
        }
        try (TestTurn turn = new TestTurn("relay-ip", "192.0.2.55")) {
            assertNotNull(turn.turn.server(), "taken at start too");
            assertEquals(1, turn.turn.problems().size(), turn.turn.problems().toString());
        }
    }

    /** An address that was on the host when the file was taken and is gone since (a DHCP lease, a NIC down). */
    @Test
    void aRelaySocketThatCannotBeBoundIsLoggedOnceNamingRelayIp() throws Exception {
        try (LogCapture log = new LogCapture(); TestTurn turn = new TestTurn(); TurnClient c = turn.client();
                TurnClient d = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
            TurnSettings s = turn.turn.server().settings();
            turn.turn.server().apply(new TurnSettings(s.realm(), s.userdb(), s.useAuthSecret(), s.staticAuthSecrets(), s.restSeparator(),
                    List.of(InetAddress.getByName("192.0.2.55")), s.externalIps(), s.minPort(), s.maxPort(), s.allowedPeers(),
                    s.deniedPeers(), s.restricted(), s.userQuota(), s.totalQuota(), s.maxBps(), s.maxAllocateLifetime(),
                    s.permissionLifetime(), s.channelLifetime(), s.staleNonce(), s.unauthenticatedRate(), s.alternateServers(),
                    s.source()));
            assertEquals(508, TurnClient.code(c.allocate()));
            assertEquals(508, TurnClient.code(d.allocate()));
            assertEquals(1, log.lines("WARN", "cannot bind a relay socket on 192.0.2.55", "relay-ip").size(),
                    log.lines("192.0.2.55").toString());
        }
    }

    @Test
    void anExternalIpPairWhosePrivateSideIsNoRelayAddressIsAWarningAndAProblem() throws Exception {
        try (LogCapture log = new LogCapture(); TestTurn turn = new TestTurn("external-ip", "198.51.100.7/10.9.9.9")) {
            assertNull(turn.turn.configurationProblem(), "a warning, not a refusal");
            assertEquals("198.51.100.7/10.9.9.9", turn.turn.server().settings().externalIps().get(0).toString());
            List<String> problems = turn.turn.problems();
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("external-ip = '198.51.100.7/10.9.9.9'") && problems.get(0).contains("10.9.9.9 is not one of"),
                    problems.get(0));
            turn.reconfigure("max-bps", "1000000");
            assertEquals(1, log.lines("WARN", "external-ip = '198.51.100.7/10.9.9.9'").size(), "warned once, not at every change");

            turn.reconfigure("external-ip", "198.51.100.7/127.0.0.1");
            assertEquals(List.of(), turn.turn.problems(), "a pair that matches relay-ip is no problem");
            try (TurnClient c = turn.client()) {
                assertEquals(InetAddress.getByName("198.51.100.7"), TurnClient.relayed(c.allocate()).getAddress());
            }
        }
    }

    /**
     * The guide's "one public address per family": a second one, or a second public address for the same
     * private one, is refused naming both, and the running external-ip stays (before, the first was taken
     * and the second ignored without a word).
     */
    @Test
    void twoPublicAddressesForTheSameRelayAddressesAreRefused() throws Exception {
        try (TestTurn turn = new TestTurn("external-ip", "198.51.100.7")) {
            turn.reconfigure("external-ip", "203.0.113.5, 203.0.113.6");
            String problem = turn.turn.configurationProblem();
            assertNotNull(problem, "refused");
            assertTrue(problem.contains("external-ip = '203.0.113.5, 203.0.113.6'") && problem.contains("two public addresses for every IPv4"),
                    problem);
            assertEquals("[198.51.100.7]", turn.turn.server().settings().externalIps().toString(), "the running external-ip stays");

            turn.reconfigure("external-ip", "203.0.113.5/127.0.0.1, 203.0.113.6/127.0.0.1");
            problem = turn.turn.configurationProblem();
            assertNotNull(problem, "refused");
            assertTrue(problem.contains("two public addresses for the relay address 127.0.0.1"), problem);

            turn.reconfigure("external-ip", "203.0.113.5, 2001:db8::5, 203.0.113.6/10.1.2.5");
            assertNull(turn.turn.configurationProblem(), "one per family, and a pair: no ambiguity");
        }
    }
}
