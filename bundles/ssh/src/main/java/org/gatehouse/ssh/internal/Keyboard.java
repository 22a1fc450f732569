package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The keyboard a command gets ({@code session.getKeyboard()}, {@code System.in}) when a terminal is
 * on the other side. The client sends keys raw and echoes nothing, so the line discipline is done
 * here, by the shell's {@link LineReader}: what is typed is echoed and can be edited (Backspace,
 * Ctrl-U); Enter delivers the line with a {@code \n}; Ctrl-D on an empty line is the end of input
 * for the read that is waiting (the next read waits for a new line); Ctrl-C fails the read with
 * {@link LineReader.Interrupted}. While {@code secret} is set (a command reading a password sets it)
 * the line shows a {@code *} per character instead of the characters.
 */
final class Keyboard extends InputStream {

    private final LineReader lines;
    private final AtomicBoolean secret;
    private byte[] line = new byte[0];
    private int next;

    Keyboard(LineReader lines, AtomicBoolean secret) {
        this.lines = lines;
        this.secret = secret;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return line[next++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, line.length - next);
        System.arraycopy(line, next, b, off, n);
        next += n;
        return n;
    }

    @Override
    public int available() {
        return line.length - next;
    }

    /** False when the user ended the input (Ctrl-D on an empty line) or the channel did. */
    private boolean fill() throws IOException {
        if (next < line.length) {
            return true;
        }
        String text = lines.readLine(secret.get());
        if (text == null) {
            return false;
        }
        line = (text + "\n").getBytes(StandardCharsets.UTF_8);
        next = 0;
        return true;
    }

    /** The session's end is the channel's; a command closing System.in leaves it open. */
    @Override
    public void close() {
    }
}
