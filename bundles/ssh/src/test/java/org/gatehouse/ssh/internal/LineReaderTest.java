package org.gatehouse.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    private static ByteArrayInputStream keys(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aTerminalGetsEchoErasureAndCtrlKeys() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        LineReader r = new LineReader(keys("statz\u007fus\r\nabc\u0015x\rdrop\u0003\u001b[Ayes\r\u0004"), screen);
        assertEquals("status", r.readLine());
        assertEquals("x", r.readLine(), "Ctrl-U erased the line");
        assertEquals("", r.readLine(), "Ctrl-C dropped the line");
        assertEquals("yes", r.readLine(), "the arrow key's escape sequence was skipped");
        assertNull(r.readLine(), "Ctrl-D on an empty line ends the session");
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertEquals("statz\b \bus\r\nabc\b \b\b \b\b \bx\r\ndrop^C\r\nyes\r\n\r\n", shown);
    }

    @Test
    void pipedInputIsReadAsPlainLines() throws Exception {
        LineReader r = new LineReader(keys("one\ntwo\r\n\u007fthree"), null);
        assertEquals("one", r.readLine());
        assertEquals("two", r.readLine());
        assertEquals("\u007fthree", r.readLine(), "no line editing without a terminal");
        assertNull(r.readLine());
    }

    @Test
    void commandOutputGetsCarriageReturnsOnATerminal() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (CrLfOutputStream out = new CrLfOutputStream(screen)) {
            out.write("a\nb\r\nc\n".getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        assertEquals("a\r\nb\r\nc\r\n\r\n", screen.toString(StandardCharsets.UTF_8));
    }
}
