package org.gatehouse.shell.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.threadio.ThreadIO;
import org.gatehouse.core.CommandRefused;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code help}: every command, the Gatehouse ones with what they do, and {@code help <command>}: its
 * usage. Felix's {@code felix:help} (and the JLine console's {@code gogo:help}) find commands by
 * looking for a public method named after each: the {@link Function} commands, whose names carry a
 * hyphen, never showed, and {@code help proxy:node-add} said "No methods found matching". This
 * command takes their place under the same names, ranked above them (Gogo calls the highest ranked
 * service of a name), so plain {@code help} is this one whichever of the two Gogo finds first. A
 * Gatehouse command tells its usage itself ({@code --help}); for any other command the Felix or
 * console help it replaced answers, as before.
 */
@Component(name = HelpCommand.NAME, enabled = false, service = Function.class, property = {
        "osgi.command.scope=felix", "osgi.command.function=help", "service.ranking:Integer=100", StatusCommand.STANDALONE_ONLY + ":Boolean=true"})
public class HelpCommand implements Function {

    /** Enabled by {@link StandaloneConsole} outside Karaf, whose console has a help of its own. */
    static final String NAME = "org.gatehouse.shell.help";
    static final String CONSOLE_NAME = "org.gatehouse.shell.help.console";

    /** The scopes of Gatehouse's commands: each answers --help with its usage. */
    static final Set<String> GATEHOUSE = Set.of("gatehouse", "stun", "turn", "tls", "proxy", "ban", "ldap", "ssh");

    static final Usage USAGE = new Usage("help [command]", "lists every command; with a command, shows how to use it", 0, 1);

    @Reference
    ThreadIO threadIO;

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    String scope() {
        return "felix";
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        List<String> args = USAGE.arguments(arguments);
        if (args == null) {
            return null;
        }
        Set<String> commands = commands(session);
        if (args.isEmpty()) {
            System.out.print(listing(session, commands));
            return null;
        }
        String name = args.get(0);
        List<String> matches = new ArrayList<>();
        for (String c : commands) {
            if (c.equals(name) || name.indexOf(':') < 0 && c.endsWith(":" + name)) {
                matches.add(c);
            }
        }
        if (matches.isEmpty()) {
            throw new CommandRefused("help: no command " + name + " (help lists them)");
        }
        for (String m : matches) {
            if (gatehouse(m)) {
                session.execute(m + " --help");
            } else {
                delegate(session, m);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> commands(CommandSession session) {
        Object all = session.get(".commands");
        return all instanceof Collection<?> c ? new TreeSet<>((Collection<String>) c) : new TreeSet<>();
    }

    static boolean gatehouse(String command) {
        int colon = command.indexOf(':');
        return colon > 0 && GATEHOUSE.contains(command.substring(0, colon)) && command.matches("[a-z]+:[a-z][a-z-]*");
    }

    /** The Gatehouse commands with their one-line description, then the names of the others. */
    String listing(CommandSession session, Set<String> commands) {
        StringBuilder out = new StringBuilder("Gatehouse commands (help <command> shows how to use one):\n");
        for (String c : commands) {
            if (gatehouse(c)) {
                out.append(String.format("  %-28s %s%n", c, description(session, c)));
            }
        }
        out.append("\nFelix and shell commands (help <command> shows their parameters):\n");
        for (String c : commands) {
            if (!gatehouse(c)) {
                out.append("  ").append(c).append('\n');
            }
        }
        return out.toString();
    }

    /**
     * The second line of the command's usage, as it prints it for --help: what it does. Called as Gogo
     * calls it, with the thread's output caught meanwhile (a session of its own would reset this
     * thread's streams when it closes).
     */
    String description(CommandSession session, String command) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(text, true, StandardCharsets.UTF_8);
        threadIO.setStreams(new ByteArrayInputStream(new byte[0]), capture, capture);
        try {
            if (session.get(command) instanceof Function f) {
                f.execute(session, List.of("--help"));
            }
        } catch (Exception e) {
            return "";
        } finally {
            threadIO.close();
        }
        String[] lines = text.toString(StandardCharsets.UTF_8).split("\r?\n");
        return lines.length > 1 ? lines[1].strip() : "";
    }

    /** Asks the help this command took the place of about a command that is not Gatehouse's. */
    void delegate(CommandSession session, String command) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                "(&(osgi.command.scope=" + scope() + ")(osgi.command.function=help))");
        for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
            if (r.getBundle() == context.getBundle()) {
                continue;
            }
            Object other = context.getService(r);
            try {
                if (other != null && ask(other, session, command)) {
                    return;
                }
            } finally {
                context.ungetService(r);
            }
        }
        System.out.println(command + ": no more is known about it here (try " + command + " --help)");
    }

    /**
     * Calls the {@code help(String)} of Felix's commands, or the {@code help(CommandSession, String)}
     * of the JLine console, and prints what it returns; false when it has neither.
     */
    static boolean ask(Object help, CommandSession session, String command) throws Exception {
        for (Method m : help.getClass().getMethods()) {
            Class<?>[] p = m.getParameterTypes();
            Object result;
            if (!m.getName().equals("help")) {
                continue;
            } else if (p.length == 1 && p[0] == String.class) {
                result = m.invoke(help, command);
            } else if (p.length == 2 && p[0] == CommandSession.class && p[1] == String.class) {
                result = m.invoke(help, session, command);
            } else {
                continue;
            }
            if (result != null) {
                System.out.println(result);
            }
            return true;
        }
        return false;
    }

    /** The same for the JLine console's {@code gogo:help}, present with the interactive console. */
    @Component(name = HelpCommand.CONSOLE_NAME, enabled = false, service = Function.class, property = {
            "osgi.command.scope=gogo", "osgi.command.function=help", "service.ranking:Integer=100",
            StatusCommand.STANDALONE_ONLY + ":Boolean=true"})
    public static final class Console extends HelpCommand {

        @Override
        String scope() {
            return "gogo";
        }
    }
}
