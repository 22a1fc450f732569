package org.gatehouse.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a command reading the keyboard gets from a terminal over SSH, and what the terminal shows. */
class KeyboardTest {

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final AtomicBoolean secret = new AtomicBoolean();

    private Keyboard keyboard(String keys) {
        return new Keyboard(new LineReader(new ByteArrayInputStream(keys.getBytes(StandardCharsets.UTF_8)), screen), secret);
    }

    private String shown() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    /** Reads up to and with the next line end, as SetupCommand's Prompter does: one byte at a time. */
    private static String line(Keyboard k) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = k.read(); c >= 0; c = k.read()) {
            b.append((char) c);
            if (c == '\n') {
                break;
            }
        }
        return b.toString();
    }

    @Test
    void linesAreEchoedAndEditedAndEndWithNewline() throws Exception {
        Keyboard k = keyboard("gatehoux\bse\rexample.org\r\nabc\u0015xyz\u007f\n");
        assertEquals("gatehouse\n", line(k), "CR ends the line, Backspace (^H) erased");
        assertEquals("example.org\n", line(k), "CR LF is one line end");
        assertEquals("xy\n", line(k), "Ctrl-U erased the line, DEL the last character");
        assertEquals("gatehoux\b \bse\r\nexample.org\r\nabc\b \b\b \b\b \bxyz\b \b\r\n", shown());
    }

    @Test
    void ctrlDOnAnEmptyLineEndsOneRead() throws Exception {
        Keyboard k = keyboard("a\u0004b\r\u0004next\r");
        assertEquals("ab\n", line(k), "Ctrl-D in a line is ignored");
        assertEquals(-1, k.read(), "Ctrl-D on an empty line: end of input for this read");
        assertEquals("next\n", line(k), "the next read waits for a new line");
        assertEquals(-1, k.read(), "the channel's end");
        assertEquals("ab\r\n\r\nnext\r\n", shown());
    }

    @Test
    void ctrlCFailsTheRead() throws Exception {
        Keyboard k = keyboard("yes\u0003no\r");
        assertThrows(LineReader.Interrupted.class, k::read);
        assertEquals("no\n", line(k));
        assertEquals("yes^C\r\nno\r\n", shown());
    }

    @Test
    void aSecretLineShowsStarsOnly() throws Exception {
        Keyboard k = keyboard("s3cr\u00e9tx\u007f\rshown\r");
        secret.set(true);
        assertEquals("s3cr\u00e9t\n", new BufferedReader(new InputStreamReader(k, StandardCharsets.UTF_8)).readLine() + "\n");
        secret.set(false);
        assertEquals("shown\n", line(k));
        String shown = shown();
        assertEquals("*******\b \b\r\nshown\r\n", shown, "one star per character, é included");
        assertFalse(shown.contains("s3cr"), shown);
    }

    @Test
    void bulkReadsGetTheLineAndItsEnd() throws Exception {
        Keyboard k = keyboard("one\rtwo\r");
        byte[] b = new byte[64];
        int n = k.read(b, 0, b.length);
        assertEquals("one\n", new String(b, 0, n, StandardCharsets.UTF_8), "a read returns at most one line");
        assertEquals(2, k.read(b, 0, 2));
        assertEquals("tw", new String(b, 0, 2, StandardCharsets.UTF_8));
        assertEquals(2, k.available());
        assertEquals('o', k.read());
        assertEquals('\n', k.read());
        assertEquals(-1, k.read(b, 0, b.length));
    }

    @Test
    void everyWriteIsFlushedToTheChannel() throws Exception {
        StringBuilder seen = new StringBuilder();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        OutputStream channel = new OutputStream() {
            private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void flush() throws IOException {
                pending.writeTo(sent);
                pending.reset();
                seen.append('|');
            }
        };
        OutputStream out = new FlushingOutputStream(new CrLfOutputStream(channel));
        out.write("Host name [gatehouse]: ".getBytes(StandardCharsets.UTF_8));
        assertEquals("Host name [gatehouse]: ", sent.toString(StandardCharsets.UTF_8), "a prompt without a line end is sent");
        out.write('\n');
        assertEquals("Host name [gatehouse]: \r\n", sent.toString(StandardCharsets.UTF_8));
        assertTrue(seen.length() >= 2, seen.toString());
    }
}
