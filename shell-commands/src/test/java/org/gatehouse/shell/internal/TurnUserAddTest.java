package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * turn:user-add asks for the password, twice and unseen, when it is left out or given as {@code -}, so
 * that it is in no shell history; two different answers or none write nothing.
 */
class TurnUserAddTest {

    private final ThreadIOImpl io = new ThreadIOImpl();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<String> added = new ArrayList<>();
    private CommandProcessorImpl processor;

    @BeforeEach
    void start() {
        io.start();
        processor = new CommandProcessorImpl(io);
        TurnUserCommand.Add add = new TurnUserCommand.Add();
        add.admin = new NothingToDoTest.NoAllocations("gatehouse", true, null);
        add.users = new NothingToDoTest.NoUsers() {
            @Override
            public void add(String user, String password, String realm) {
                added.add(user + " " + password + " " + realm);
            }
        };
        processor.addCommand("turn", add, "user-add");
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    /** Runs {@code command} with {@code typed} as the keyboard; what it printed. */
    private String run(String typed, String command) throws Exception {
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)), o, o);
        out.reset();
        session.execute(command);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPasswordLeftOutIsAskedForTwice() throws Exception {
        String printed = run("s3cret\ns3cret\n", "turn:user-add alice");
        assertEquals("New password for alice: Again: User alice added for realm gatehouse in " + NothingToDoTest.FILE
                + "; it applies to the next request.\n", printed);
        assertEquals(List.of("alice s3cret null"), added);
    }

    @Test
    void aDashAsksTooWithARealm() throws Exception {
        run("pw one\npw one\n", "turn:user-add bob - corp.example");
        assertEquals(List.of("bob pw one corp.example"), added);
    }

    @Test
    void aPasswordGivenIsTakenAsBefore() throws Exception {
        run("", "turn:user-add carol given");
        assertEquals(List.of("carol given null"), added);
    }

    @Test
    void twoDifferentAnswersOrNoneWriteNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("one\ntwo\n", "turn:user-add alice"));
        assertEquals("turn:user-add: the two passwords differ; nothing written", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("\n", "turn:user-add alice"));
        assertEquals("turn:user-add: no password entered; nothing written", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("", "turn:user-add alice -"));
        assertEquals("turn:user-add: no password entered; nothing written", e.getMessage());
        assertEquals(List.of(), added);
    }
}
