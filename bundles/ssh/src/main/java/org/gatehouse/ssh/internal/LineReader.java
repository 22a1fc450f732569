package org.gatehouse.ssh.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads command lines from an SSH channel. With a terminal on the other side ({@code echo} not null)
 * it does what a terminal's line discipline would: echoes what is typed, erases with Backspace,
 * drops the line on Ctrl-C and ends the session on Ctrl-D at an empty line; a secret line (a
 * password) shows a {@code *} per character instead. Without one (piped input) it reads plain lines.
 */
final class LineReader {

    private static final int CTRL_C = 3;
    private static final int CTRL_D = 4;
    private static final int BACKSPACE = 8;
    private static final int CTRL_U = 21;
    private static final int ESC = 27;
    private static final int DELETE = 127;

    private final InputStream in;
    private final OutputStream echo;
    private boolean lastWasCr;

    LineReader(InputStream in, OutputStream echo) {
        this.in = in;
        this.echo = echo;
    }

    /** Ctrl-C typed on a terminal: the line is dropped. */
    static final class Interrupted extends InterruptedIOException {
        Interrupted() {
            super("interrupted (Ctrl-C)");
        }
    }

    /** The next command line, or null at the end of input (or Ctrl-D on an empty line); Ctrl-C gives an empty line. */
    String readLine() throws IOException {
        try {
            return readLine(false);
        } catch (Interrupted e) {
            return "";
        }
    }

    /**
     * The next line without its end, or null at the end of input (or Ctrl-D on an empty line).
     *
     * @param secret on a terminal, show {@code *} for each character typed instead of the character
     * @throws Interrupted on Ctrl-C (a terminal only)
     */
    String readLine(boolean secret) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : text(line);
            }
            boolean afterCr = lastWasCr;
            lastWasCr = b == '\r';
            if (b == '\n' && afterCr) {
                continue;
            }
            if (b == '\r' || b == '\n') {
                show("\r\n");
                return text(line);
            }
            if (echo == null) {
                line.write(b);
                continue;
            }
            switch (b) {
                case CTRL_D:
                    if (line.size() == 0) {
                        show("\r\n");
                        return null;
                    }
                    break;
                case CTRL_C:
                    show("^C\r\n");
                    throw new Interrupted();
                case CTRL_U:
                    erase(line, line.size());
                    break;
                case BACKSPACE:
                case DELETE:
                    erase(line, 1);
                    break;
                case ESC:
                    skipEscapeSequence();
                    break;
                default:
                    if (b >= 32 || b == '\t') {
                        line.write(b);
                        if (!secret) {
                            echo.write(b);
                            echo.flush();
                        } else if ((b & 0xC0) != 0x80) {
                            // one star per character: none for the continuation bytes of UTF-8
                            show("*");
                        }
                    }
            }
        }
    }

    /** Arrow and function keys arrive as ESC [ ... letter; this reader has no history or cursor movement. */
    private void skipEscapeSequence() throws IOException {
        int b = in.read();
        if (b == '[' || b == 'O') {
            do {
                b = in.read();
            } while (b >= 0 && (b < 64 || b > 126));
        }
    }

    private void erase(ByteArrayOutputStream line, int chars) throws IOException {
        String text = text(line);
        int n = Math.min(chars, text.length());
        if (n == 0) {
            return;
        }
        String kept = text.substring(0, text.length() - n);
        line.reset();
        line.write(kept.getBytes(StandardCharsets.UTF_8));
        show("\b \b".repeat(n));
    }

    private void show(String s) throws IOException {
        if (echo != null) {
            echo.write(s.getBytes(StandardCharsets.UTF_8));
            echo.flush();
        }
    }

    private static String text(ByteArrayOutputStream line) {
        return line.toString(StandardCharsets.UTF_8);
    }
}
