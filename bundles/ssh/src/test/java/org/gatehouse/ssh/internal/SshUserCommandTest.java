package org.gatehouse.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ssh:*} commands fail (an exception: the remote shell prints it on standard error and
 * bin/client exits 1) when they refuse their input or find nothing to do, as the other commands do.
 */
class SshUserCommandTest {

    private final ThreadIOImpl io = new ThreadIOImpl();

    @TempDir
    Path dir;

    private <T extends SshUserCommand> T configured(T command) {
        command.configure(Map.of("users", dir.resolve("users").toString()));
        return command;
    }

    @Test
    void aNameThatIsNoUserNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configured(new SshUserCommand.Add()).execute(null, List.of("a b", "x")));
        assertEquals("ssh:user-add: 'a b' is not a user name (letters, digits, . _ @ -; at most 64)", e.getMessage());
    }

    @Test
    void anEmptyPasswordIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configured(new SshUserCommand.Add()).execute(null, List.of("op", "")));
        assertEquals("ssh:user-add: the password is empty", e.getMessage());
    }

    @Test
    void removingAUserThatIsNotThereFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configured(new SshUserCommand.Remove()).execute(null, List.of("nobody")));
        assertEquals("ssh:user-remove: no user nobody in " + dir.resolve("users"), e.getMessage());
    }

    @Test
    void aMissingArgumentFailsWithTheUsage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configured(new SshUserCommand.Add()).execute(null, List.of()));
        assertTrue(e.getMessage().startsWith("usage: ssh:user-add <user> [password]\n"), e.getMessage());
    }

    /** A session whose keyboard gives {@code typed} (no terminal: the lines are read as typed). */
    private boolean started;

    private CommandSession session(String typed) {
        if (!started) {
            io.start();
            started = true;
        }
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new CommandProcessorImpl(io).createSession(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)), o, o);
    }

    @AfterEach
    void stop() {
        if (started) {
            io.stop();
        }
    }

    @Test
    void aPasswordLeftOutIsAskedForTwiceAndNeverOnTheCommandLine() throws Exception {
        SshUserCommand.Add add = configured(new SshUserCommand.Add());
        CommandSession typed = session("correct horse\ncorrect horse\n");
        String out = printed(() -> add.execute(typed, List.of("op")));
        assertEquals("New password for op: Again: SSH user op set in " + dir.resolve("users") + "; it applies to the next login.\n", out);
        assertTrue(new PasswordFile(dir.resolve("users")).verify("op", "correct horse"), "the typed password logs in");
    }

    @Test
    void twoDifferentOrNoAnswersWriteNothing() {
        SshUserCommand.Add add = configured(new SshUserCommand.Add());
        CommandSession differ = session("correct horse\ncorrect hose\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> printed(() -> add.execute(differ, List.of("op"))));
        assertEquals("ssh:user-add: the two passwords differ; nothing written", e.getMessage());
        CommandSession empty = session("\n");
        e = assertThrows(IllegalArgumentException.class, () -> printed(() -> add.execute(empty, List.of("op"))));
        assertEquals("ssh:user-add: no password entered; nothing written", e.getMessage());
        CommandSession none = session("");
        e = assertThrows(IllegalArgumentException.class, () -> printed(() -> add.execute(none, List.of("op"))));
        assertEquals("ssh:user-add: no password entered; nothing written", e.getMessage());
        assertTrue(!java.nio.file.Files.exists(dir.resolve("users")), "no file written");
    }

    @Test
    void helpPrintsTheUsageAndExtraArgumentsFailWithIt() throws Exception {
        for (SshUserCommand c : List.of(new SshUserCommand.Add(), new SshUserCommand.Remove(), new SshUserCommand.Users())) {
            for (String help : List.of("--help", "-h")) {
                String out = printed(() -> configured(c).execute(null, List.of(help)));
                assertTrue(out.startsWith(c.name() + " ") || out.startsWith(c.name() + "\n"), out);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> configured(c).execute(null, List.of("a", "b", "c")));
            assertTrue(e.getMessage().startsWith("usage: " + c.name()), e.getMessage());
        }
    }

    private static String printed(Runnable command) {
        PrintStream out = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            command.run();
        } finally {
            System.setOut(out);
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
