package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.gatehouse.core.SecretInput;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A secret typed at the console is read from the session's terminal with echo off (raw mode, then
 * the terminal's settings back), found under the variable Felix Gogo JLine's console uses; without
 * a terminal, from the session's input.
 */
class SecretInputTest {

    private final ThreadIOImpl io = new ThreadIOImpl();

    /** What the console's JLine terminal offers, as the reflective calls reach it. */
    public static final class FakeTerminal {
        public final List<String> calls = new ArrayList<>();
        private final Reader typed;

        FakeTerminal(String typed) {
            this.typed = new StringReader(typed);
        }

        public Modes enterRawMode() {
            calls.add("raw");
            return new Modes("cooked");
        }

        public void setAttributes(Modes m) {
            calls.add("restored " + m.name);
        }

        public Reader reader() {
            return typed;
        }
    }

    public static final class Modes {
        final String name;

        Modes(String name) {
            this.name = name;
        }
    }

    private CommandSession session(String input) {
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return processor.createSession(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), o, o);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void theConsoleTerminalIsReadInRawModeAndRestored() throws Exception {
        CommandSession s = session("from the input\n");
        FakeTerminal t = new FakeTerminal("s3cx\u007fret\r");
        s.put(".terminal", t);
        assertEquals("s3cret", new String(SecretInput.read(s::get, s.getKeyboard())));
        assertEquals(List.of("raw", "restored cooked"), t.calls);
    }

    /** The prompt is printed once echo is off: keys typed the moment it shows are not echoed. */
    @Test
    void thePromptComesAfterEchoIsOff() throws Exception {
        CommandSession s = session("");
        FakeTerminal t = new FakeTerminal("pw1\rpw1\r");
        s.put(".terminal", t);
        PrintStream out = promptsInto(t.calls, "prompt");
        assertEquals("pw1", SecretInput.newPassword(s::get, s.getKeyboard(), out, "alice"));
        assertEquals(List.of("raw", "prompt", "restored cooked", "raw", "prompt", "restored cooked"), t.calls);
    }

    /** A screen that adds {@code name} to {@code calls} for each prompt printed on it (each ends with ':'). */
    static PrintStream promptsInto(List<String> calls, String name) {
        return new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                if (b == ':') {
                    calls.add(name);
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    @Test
    void ctrlDAtTheTerminalIsNothingEntered() {
        CommandSession s = session("");
        FakeTerminal t = new FakeTerminal("abc\u0004");
        s.put(".terminal", t);
        assertThrows(EOFException.class, () -> SecretInput.read(s::get, s.getKeyboard()));
        assertTrue(t.calls.contains("restored cooked"), t.calls.toString());
    }

    /** The remote shell's keyboard gives the UTF-8 bytes a terminal sends: a password is its characters, not its bytes. */
    @Test
    void aPasswordOfOtherThanAsciiFromTheSessionInputIsItsCharacters() throws Exception {
        CommandSession s = session("Grüße-2024€x\u007f\nGrüße-2024€\n");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("Grüße-2024€", SecretInput.newPassword(s::get, s.getKeyboard(), out, "alice"));
        assertEquals("pd", new String(SecretInput.read(s::get, new ByteArrayInputStream("pw€\u007f\u007fd\n".getBytes(StandardCharsets.UTF_8)))),
                "a backspace removes a whole character");
        assertThrows(org.gatehouse.core.CommandRefused.class,
                () -> SecretInput.read(s::get, new ByteArrayInputStream(new byte[] {'p', (byte) 0xC3, '\n'})));
    }

    @Test
    void withoutATerminalTheSessionInputIsRead() throws Exception {
        CommandSession s = session("pw\nnext\n");
        assertEquals("pw", new String(SecretInput.read(s::get, s.getKeyboard())));
    }
}
