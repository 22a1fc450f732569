package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every command of this bundle, run in a real Gogo session as typed: {@code --help} and {@code -h}
 * print its usage and succeed; too many or too few arguments fail with the usage, never with Gogo's
 * "Cannot coerce ...". No service is reached: the commands answer before doing anything.
 */
class CommandUsageTest {

    private final ThreadIOImpl io = new ThreadIOImpl();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private CommandSession session;

    /** Each command with a line that has one argument too many, or too few. */
    private static final Map<String, String> WRONG = new LinkedHashMap<>();

    static {
        WRONG.put("gatehouse:status", "gatehouse:status extra");
        WRONG.put("gatehouse:setup", "gatehouse:setup a b");
        WRONG.put("gatehouse:reset-to-defaults", "gatehouse:reset-to-defaults --yes --delete-logs --yes");
        WRONG.put("stun:status", "stun:status extra");
        WRONG.put("stun:probe", "stun:probe");
        WRONG.put("tls:cert-show", "tls:cert-show a b");
        WRONG.put("tls:cert-install", "tls:cert-install");
        WRONG.put("tls:cert-rollback", "tls:cert-rollback extra");
        WRONG.put("proxy:nodes", "proxy:nodes extra");
        WRONG.put("proxy:node-add", "proxy:node-add conferencing");
        WRONG.put("proxy:node-drain", "proxy:node-drain conferencing");
        WRONG.put("proxy:node-remove", "proxy:node-remove conferencing 10.0.0.1:443 extra");
        WRONG.put("proxy:node-enable", "proxy:node-enable");
        WRONG.put("turn:users", "turn:users extra");
        WRONG.put("turn:user-add", "turn:user-add");
        WRONG.put("turn:user-remove", "turn:user-remove");
        WRONG.put("turn:allocations", "turn:allocations extra");
        WRONG.put("turn:kill", "turn:kill");
        WRONG.put("turn:stats", "turn:stats extra");
        WRONG.put("turn:drain", "turn:drain off extra");
        WRONG.put("ban:list", "ban:list extra");
        WRONG.put("ban:remove", "ban:remove");
        WRONG.put("ldap:test", "ldap:test");
    }

    private CommandSession session() {
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        processor.addCommand("gatehouse", new StatusCommand(), "status");
        processor.addCommand("gatehouse", new SetupCommand(), "setup");
        processor.addCommand("gatehouse", new ResetCommand(), "reset-to-defaults");
        processor.addCommand("stun", new StunCommands(), "status");
        processor.addCommand("stun", new StunCommands(), "probe");
        processor.addCommand("tls", new TlsCommand.Show(), "cert-show");
        processor.addCommand("tls", new TlsCommand.Install(), "cert-install");
        processor.addCommand("tls", new TlsCommand.Rollback(), "cert-rollback");
        processor.addCommand("proxy", new ProxyCommands(), "nodes");
        processor.addCommand("proxy", new ProxyNodeCommand.Add(), "node-add");
        processor.addCommand("proxy", new ProxyNodeCommand.Drain(), "node-drain");
        processor.addCommand("proxy", new ProxyNodeCommand.Remove(), "node-remove");
        processor.addCommand("proxy", new ProxyNodeCommand.Enable(), "node-enable");
        for (String f : List.of("users", "allocations", "kill", "stats", "drain")) {
            processor.addCommand("turn", new TurnCommands(), f);
        }
        processor.addCommand("turn", new TurnUserCommand.Add(), "user-add");
        processor.addCommand("turn", new TurnUserCommand.Remove(), "user-remove");
        processor.addCommand("ban", new BanCommands(), "list");
        processor.addCommand("ban", new BanCommands(), "remove");
        processor.addCommand("ldap", new LdapCommands(), "test");
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        return processor.createSession(new ByteArrayInputStream(new byte[0]), o, o);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void everyCommandAnswersHelpWithItsUsage() throws Exception {
        session = session();
        for (String command : WRONG.keySet()) {
            for (String help : List.of("--help", "-h")) {
                out.reset();
                session.execute(command + " " + help);
                String[] usage = out.toString(StandardCharsets.UTF_8).split("\n");
                // The command line, then what it does, indented.
                assertTrue(usage[0].equals(command) || usage[0].startsWith(command + " "), command + " " + help + ": " + usage[0]);
                assertTrue(usage.length > 1 && usage[1].matches("  [a-z].{10,}"), command + " " + help + ": " + String.join("\n", usage));
            }
        }
    }

    @Test
    void wrongArgumentsFailWithTheUsage() {
        session = session();
        WRONG.forEach((command, line) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.execute(line), line);
            assertTrue(e.getMessage().startsWith("usage: " + command), line + ": " + e.getMessage());
            // Gogo's local console prints the exception as toString(): the usage alone, no class name.
            assertEquals(e.getMessage(), e.toString(), line);
        });
    }
}
