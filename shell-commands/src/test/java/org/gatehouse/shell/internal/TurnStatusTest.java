package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    static final String REFUSED_AT_START = "etc/org.gatehouse.turn.cfg: max-bps = '-1' is out of range (0 to 2147483647); "
            + "TURN is off until the file is fixed (STUN goes on)";

    /** A refused file reads first, in place of "off"; refused at start, no realm is in force to name. */
    @Test
    void statusAndStatsSayTheFileIsRefusedFirst() {
        FeatureStatus.Turn status = status(false, REFUSED_AT_START, "none in force", 0, new TreeMap<>(), List.of());
        assertEquals(List.of("Configuration file refused: " + REFUSED_AT_START), status.report().lines().subList(0, 1));
        assertTrue(status.report().lines().stream().noneMatch(l -> l.startsWith("realm") || l.contains("enabled = false")),
                status.report().lines().toString());
        assertTrue(TurnCommands.statsText(false, REFUSED_AT_START, "none in force", QUIET)
                .startsWith("Configuration file refused: " + REFUSED_AT_START + "\nRealm "));

        String live = "etc/org.gatehouse.turn.cfg: max-bps = '-1' is out of range (0 to 2147483647); TURN is running on the previous settings";
        status = status(true, live, "corp.example", 1, new TreeMap<>(), List.of("alice@corp.example"));
        assertEquals(List.of("Configuration file refused: " + live, "realm corp.example, 1 user in /opt/gatehouse/etc/turn-users"),
                status.report().lines().subList(0, 2));
    }

    /** While the file is refused a user line could be for the wrong realm: the commands refuse, and write nothing. */
    @Test
    void userAddAndRemoveAreRefusedWhileTheFileIs() {
        TurnUserCommand.Add add = new TurnUserCommand.Add();
        add.admin = new NothingToDoTest.NoAllocations("none in force", false, REFUSED_AT_START);
        add.users = new NothingToDoTest.NoUsers();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> add.execute(null, List.of("alice", "s3cret")));
        assertEquals("turn:user-add: " + REFUSED_AT_START + "; nothing written while that file is refused (a user's key is made "
                + "with its realm): fix it first", e.getMessage());
        TurnUserCommand.Remove remove = new TurnUserCommand.Remove();
        remove.admin = add.admin;
        remove.users = add.users;
        e = assertThrows(IllegalArgumentException.class, () -> remove.execute(null, List.of("alice")));
        assertTrue(e.getMessage().startsWith("turn:user-remove: " + REFUSED_AT_START), e.getMessage());
    }

    static FeatureStatus.Turn status(boolean enabled, String realm, int usersInRealm, SortedMap<String, Integer> others, List<String> names) {
        return status(enabled, null, realm, usersInRealm, others, names);
    }

    static FeatureStatus.Turn status(boolean enabled, String refused, String realm, int usersInRealm, SortedMap<String, Integer> others,
            List<String> names) {
        FeatureStatus.Turn status = new FeatureStatus.Turn();
        status.admin = new NothingToDoTest.NoAllocations(realm, enabled, refused);
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
