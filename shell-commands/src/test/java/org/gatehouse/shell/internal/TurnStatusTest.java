package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.gatehouse.turn.TurnStatistics;
import org.gatehouse.turn.TurnUsers;
import org.junit.jupiter.api.Test;

/** TURN as gatehouse:status and turn:stats show it. */
class TurnStatusTest {

    static final TurnStatistics QUIET = NothingToDoTest.NoAllocations.QUIET;

    /**
     * turn:user-add writes the realm into the line: after realm = corp.example the two users of
     * realm gatehouse are still in the file but cannot log in, and are not counted as users.
     */
    @Test
    void statusCountsTheUsersWhoCanLogInInTheRealmInForceAndTheLinesForOtherRealmsApart() {
        FeatureStatus.Turn status = status(true, "corp.example", 0, new TreeMap<>(java.util.Map.of("gatehouse", 2)),
                List.of("alice@gatehouse", "conference@gatehouse"));
        assertEquals("realm corp.example, 0 users in /opt/gatehouse/etc/turn-users; 2 lines for other realms (gatehouse) not usable in it",
                status.report().lines().get(0));

        status = status(true, "gatehouse", 1, new TreeMap<>(), List.of("alice@gatehouse"));
        assertEquals("realm gatehouse, 1 user in /opt/gatehouse/etc/turn-users", status.report().lines().get(0));
    }

    @Test
    void statusAndStatsSayWhenTurnIsOff() {
        String off = "TURN is off (enabled = false in etc/org.gatehouse.turn.cfg): STUN only, no allocations are made.";
        FeatureStatus.Turn status = status(false, "gatehouse", 1, new TreeMap<>(), List.of("alice@gatehouse"));
        assertEquals(off, status.report().lines().get(0));
        assertTrue(status.report().problems().isEmpty(), "off is a setting, not a fault");
        assertTrue(TurnCommands.statsText(false, "gatehouse", QUIET).startsWith(off + "\nRealm           gatehouse\n"));

        status = status(true, "gatehouse", 1, new TreeMap<>(), List.of("alice@gatehouse"));
        assertTrue(status.report().lines().stream().noneMatch(l -> l.contains("off")), status.report().lines().toString());
        assertTrue(TurnCommands.statsText(true, "gatehouse", QUIET).startsWith("Realm           gatehouse\n"));
    }

    static FeatureStatus.Turn status(boolean enabled, String realm, int usersInRealm, SortedMap<String, Integer> others, List<String> names) {
        FeatureStatus.Turn status = new FeatureStatus.Turn();
        status.admin = new NothingToDoTest.NoAllocations(realm, enabled);
        status.users = new TurnUsers() {
            @Override
            public Path file() {
                return Path.of("/opt/gatehouse/etc/turn-users");
            }

            @Override
            public List<String> users() {
                return names;
            }

            @Override
            public int usersInRealm() {
                return usersInRealm;
            }

            @Override
            public SortedMap<String, Integer> linesForOtherRealms() {
                return others;
            }

            @Override
            public void add(String user, String password, String realm) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean remove(String user) {
                throw new UnsupportedOperationException();
            }
        };
        return status;
    }

    @Test
    void usersWrittenForAnotherRealmAreMarked() {
        String nl = System.lineSeparator();
        assertEquals("2 users in etc/turn-users" + nl + "  alice@corp.example" + nl
                + "  bob@me@gatehouse   (cannot log in: written for realm gatehouse, the realm in force is corp.example)" + nl,
                TurnCommands.usersText(java.util.List.of("alice@corp.example", "bob@me@gatehouse"), "etc/turn-users", "corp.example"));
    }
}
