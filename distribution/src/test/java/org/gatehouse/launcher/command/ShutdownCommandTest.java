package org.gatehouse.launcher.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code shutdown --help} prints the usage and stops nothing; an argument fails with the usage. */
class ShutdownCommandTest {

    @Test
    void helpPrintsTheUsageAndAnArgumentFailsWithIt() throws Exception {
        ShutdownCommand command = new ShutdownCommand(null);
        PrintStream out = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            command.shutdown("--help");
            command.shutdown("-h");
        } finally {
            System.setOut(out);
        }
        assertEquals((ShutdownCommand.USAGE + System.lineSeparator()).repeat(2), b.toString(StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command.shutdown("extra"));
        assertEquals("usage: " + ShutdownCommand.USAGE, e.getMessage());
        assertEquals(e.getMessage(), e.toString(), "the console prints it without a class name");
    }
}
