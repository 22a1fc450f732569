package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.auth.ldap.DirectoryCheck.Step;
import org.gatehouse.core.CommandRefused;
import org.junit.jupiter.api.Test;

class LdapCommandsTest {

    @Test
    void eachStepIsOneLineAndTheVerdictFollows() {
        String ok = LdapCommands.report(List.of(new Step("connect", true, "ldaps://dc1:636, TLS verified"),
                new Step("user bind", true, "as uid=a")));
        assertEquals("ok   connect       ldaps://dc1:636, TLS verified\nok   user bind     as uid=a\n"
                + "Accepted: this login passes the filter.\n", ok.replace(System.lineSeparator(), "\n"));
        String refused = LdapCommands.report(List.of(new Step("connect", false, "ldap://x:389: connect error")));
        assertEquals("FAIL connect       ldap://x:389: connect error\nRefused: this login would not pass the filter.\n",
                refused.replace(System.lineSeparator(), "\n"));
    }

    /** A directory whose state and answer to ldap:test the test sets. */
    static final class FakeDirectory implements DirectoryCheck {
        State state;
        List<Step> steps = List.of();

        @Override
        public State state() {
            return state;
        }

        @Override
        public Statistics statistics() {
            return new Statistics(0, 0, 0, 0, 0, 0, Reachability.UNKNOWN);
        }

        @Override
        public List<Step> test(String user, char[] password) {
            return steps;
        }
    }

    static String printed(Runnable command) {
        PrintStream out = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            command.run();
        } finally {
            System.setOut(out);
        }
        return b.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    /** A refused or impossible check fails the command (exit 1 over bin/client), its verdict the message. */
    @Test
    void aRefusedOrImpossibleCheckFailsTheCommand() {
        FakeDirectory directory = new FakeDirectory();
        LdapCommands commands = new LdapCommands();
        commands.directory = directory;
        directory.steps = List.of(new Step("configuration", false, "LDAP authentication is not configured"));
        String[] message = new String[1];
        String out = printed(() -> message[0] = assertThrows(CommandRefused.class, () -> commands.test(null, "alice", "x")).getMessage());
        assertEquals("FAIL configuration LDAP authentication is not configured\n", out);
        assertEquals("Refused: this login would not pass the filter.", message[0]);
        directory.steps = List.of(new Step("connect", true, "ok"), new Step("user bind", false, "49 (invalid credentials)"));
        assertThrows(CommandRefused.class, () -> commands.test(null, "alice", "x"));
        directory.steps = List.of(new Step("connect", true, "ok"));
        assertTrue(printed(() -> {
            try {
                commands.test(null, "alice", "x");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).endsWith("Accepted: this login passes the filter.\n"));
    }

    /** gatehouse:status says why nothing is guarded, and counts an unusable configuration's 503s as its own. */
    @Test
    void theStatusBlockSaysWhatIsTrue() {
        FakeDirectory directory = new FakeDirectory();
        LdapStatus status = new LdapStatus();
        status.directory = directory;
        directory.state = new DirectoryCheck.State(false, false, List.of(), List.of("/"), null, 0, 0, 0, 0,
                "enabled = false in etc/org.gatehouse.auth.ldap.cfg", 0);
        assertEquals(List.of("not guarding: enabled = false in etc/org.gatehouse.auth.ldap.cfg"), status.report().lines());
        directory.state = new DirectoryCheck.State(false, true, List.of(), List.of(), "etc/org.gatehouse.auth.ldap.cfg: user-filter ...",
                0, 0, 0, 0, null, 5);
        List<String> lines = status.report().lines();
        assertTrue(lines.contains("since start: 0 logins accepted, 0 refused, 0 answered 503 (no directory), "
                + "5 answered 503 (configuration unusable); 0 cached now"), lines.toString());
    }
}
