package org.gatehouse.turn.internal;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the tests' logger (slf4j-simple, which looks System.err up at each line) writes while it is
 * open, the lines kept apart from the rest of the run's output.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream before = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    LogCapture() {
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    /** The lines so far that contain every one of {@code words}. */
    synchronized List<String> lines(String... words) {
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> {
            for (String w : words) {
                if (!l.contains(w)) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    @Override
    public void close() {
        System.setErr(before);
        before.print(out.toString(StandardCharsets.UTF_8));
    }
}
