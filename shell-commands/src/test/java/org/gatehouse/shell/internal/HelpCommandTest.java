package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code help} in a Gogo session where Felix's own help is registered too, as in the server: it is
 * this one that answers, it lists the hyphenated Function commands with what they do, shows a
 * Gatehouse command's usage, and hands any other command to Felix's help.
 */
class HelpCommandTest {

    private final ThreadIOImpl io = new ThreadIOImpl();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** The shape of Felix gogo.command's Basic: help() and help(String), found by method name. */
    public static final class FelixHelp {
        public String help() {
            return "felix:lb\n";
        }

        public String help(String command) {
            return "\n" + command + " - list all installed bundles";
        }

        public String lb() {
            return "";
        }
    }

    private CommandSession session() {
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        FelixHelp felix = new FelixHelp();
        processor.addCommand("felix", felix, "help", 0);
        processor.addCommand("felix", felix, "lb", 0);
        HelpCommand help = new HelpCommand() {
            @Override
            void delegate(CommandSession session, String command) throws Exception {
                ask(felix, session, command);
            }
        };
        help.threadIO = io;
        processor.addCommand("felix", help, "help", 100);
        processor.addCommand("stun", new StunCommands(), "status");
        processor.addCommand("stun", new StunCommands(), "probe");
        processor.addCommand("gatehouse", new StatusCommand(), "status");
        processor.addCommand("proxy", new ProxyNodeCommand.Add(), "node-add");
        processor.addCommand("tls", new TlsCommand.Show(), "cert-show");
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        return processor.createSession(new ByteArrayInputStream(new byte[0]), o, o);
    }

    private String run(CommandSession s, String line) throws Exception {
        out.reset();
        s.execute(line);
        return out.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void helpListsEveryGatehouseCommandWithWhatItDoes() throws Exception {
        String listing = run(session(), "help");
        assertTrue(listing.contains("\n  proxy:node-add               adds a conferencing node; it gets requests at once"), listing);
        assertTrue(listing.contains("\n  tls:cert-show                shows the certificate in force"), listing);
        assertTrue(listing.contains("\n  stun:probe                   asks a STUN server which address it sees"), listing);
        assertTrue(listing.contains("\n  gatehouse:status             one screen: "), listing);
        assertTrue(listing.contains("\n  felix:lb\n"), listing);
    }

    @Test
    void helpOfACommandShowsItsUsage() throws Exception {
        CommandSession s = session();
        assertEquals(new ProxyNodeCommand.Add().usage() + "\n", run(s, "help proxy:node-add"));
        assertEquals(new ProxyNodeCommand.Add().usage() + "\n", run(s, "help node-add"));
        String both = run(s, "help status");
        assertTrue(both.contains(StatusCommand.STATUS.toString()) && both.contains(StunCommands.STATUS.toString()), both);
        assertEquals("\nfelix:lb - list all installed bundles\n", run(s, "help lb"));
    }

    @Test
    void helpOfNoCommandFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session().execute("help proxy:node-ad"));
        assertEquals("help: no command proxy:node-ad (help lists them)", e.getMessage());
    }
}
