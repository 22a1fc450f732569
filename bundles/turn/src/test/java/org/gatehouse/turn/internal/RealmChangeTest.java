package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * turn:user-add writes the realm in force into the line, since the key is made with it: after a
 * realm change those users are still in the file but cannot log in. The counts say so, and so does
 * one warning when nobody is left who can.
 */
class RealmChangeTest {

    private TestTurn turn;

    @BeforeEach
    void start() throws Exception {
        turn = new TestTurn();
        Files.writeString(turn.users, "# users\n");
        turn.turn.server().users().refresh();
        turn.turn.add("alice", "s3cret", null);
        turn.turn.add("conference", "pw", null);
    }

    @AfterEach
    void stop() throws Exception {
        turn.close();
    }

    @Test
    void usersOfTheOldRealmAreNotCountedAndARealmLeavingNobodyIsWarnedOfOnce() throws Exception {
        assertEquals(2, turn.turn.usersInRealm());
        assertEquals(Map.of(), turn.turn.linesForOtherRealms());
        try (CapturedLog log = new CapturedLog()) {
            turn.reconfigure("realm", "corp.example");
            assertEquals(0, turn.turn.usersInRealm(), "alice's key is for " + TestTurn.REALM);
            assertEquals(Map.of(TestTurn.REALM, 2), turn.turn.linesForOtherRealms());
            List<String> warnings = log.lines("WARN");
            assertEquals(1, warnings.size(), log.lines().toString());
            String w = warnings.get(0);
            assertTrue(w.contains("configuration org.gatehouse.turn: realm = 'corp.example'") && w.contains(turn.users.toString())
                    && w.contains("realm(s) " + TestTurn.REALM + " only"), w);

            turn.reconfigure("stale-nonce", "300");
            assertEquals(1, log.lines("WARN").size(), "said once, not at every change of the file: " + log.lines());

            turn.turn.add("alice", "s3cret", null);
            assertEquals(1, turn.turn.usersInRealm());
            assertEquals(Map.of(TestTurn.REALM, 2), turn.turn.linesForOtherRealms(), "her old line stays until removed");
            turn.reconfigure("realm", TestTurn.REALM);
            assertEquals(2, turn.turn.usersInRealm());
            assertEquals(Map.of("corp.example", 1), turn.turn.linesForOtherRealms());
            assertEquals(1, log.lines("WARN").size(), "a realm some user can log in to is no warning: " + log.lines());
        }
    }

    @Test
    void aLineWithoutRealmIsForWhateverRealmIsInForce() throws Exception {
        Files.writeString(turn.users, "bob:hunter2\n", java.nio.file.StandardOpenOption.APPEND);
        turn.turn.server().users().refresh();
        try (CapturedLog log = new CapturedLog()) {
            turn.reconfigure("realm", "corp.example");
            assertEquals(1, turn.turn.usersInRealm());
            assertEquals(List.of(), log.lines("WARN"), "bob can log in");
        }
    }
}
