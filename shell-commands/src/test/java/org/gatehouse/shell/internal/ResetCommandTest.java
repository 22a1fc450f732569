package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code reset-to-defaults} with an option it does not know resets nothing and fails. */
class ResetCommandTest {

    @Test
    void anUnknownOptionFailsWithTheUsage() {
        for (String option : List.of("--bogus", "--delete-log")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ResetCommand().execute(null, List.of("--yes", option)));
            assertTrue(e.getMessage().startsWith("usage: gatehouse:reset-to-defaults [--yes] [--delete-logs]\n"), e.getMessage());
        }
    }
}
