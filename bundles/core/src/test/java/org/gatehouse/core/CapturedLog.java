package org.gatehouse.core;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The log lines written while it is open, for tests of what the log says (in this module's test jar
 * for the other bundles' tests). The tests log through slf4j-simple, which writes every line to
 * whatever {@code System.err} is at the time; the lines still reach the real standard error too.
 */
public final class CapturedLog implements AutoCloseable {

    private final PrintStream saved = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public CapturedLog() {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                saved.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                saved.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(both, true, StandardCharsets.UTF_8));
    }

    /** Every line so far, stack trace lines included. */
    public List<String> lines() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** The lines so far logged at {@code level}: WARN, ERROR, INFO... ({@code [thread] LEVEL logger - message}). */
    public List<String> lines(String level) {
        return lines().stream().filter(l -> l.contains("] " + level + " ")).toList();
    }

    @Override
    public void close() {
        System.setErr(saved);
    }
}
