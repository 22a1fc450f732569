package org.gatehouse.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Runs a Gogo command inside the framework under test and returns what it printed. */
final class Gogo {

    private Gogo() {
    }

    static String run(CommandProcessor commands, String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession session = commands.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
        try {
            session.execute(command);
        } finally {
            session.close();
        }
        ps.flush();
        return out.toString(StandardCharsets.UTF_8);
    }
}
