package org.gatehouse.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ldap:test <user> [password]}: one login checked against the directory, step by step. */
@Component(name = "org.gatehouse.shell.ldap", service = LdapCommands.class, property = {
        "osgi.command.scope=ldap",
        "osgi.command.function=test"
})
public final class LdapCommands {

    @Reference
    DirectoryCheck directory;

    static final Usage TEST = new Usage("ldap:test <user> [password]",
            "checks a login against the directory step by step (connect, service bind, search, user bind, group)\n"
            + "  asks for the password when it is left out (given, it shows in the shell history)", 1, 2);

    @Descriptor("check a login against the directory step by step (connect, service bind, search, user bind, group); asks for the password when it is left out")
    public void test(CommandSession session, @Descriptor("the user name, as typed in the browser, and the password (for scripts: it shows in the shell history)")
            Object... arguments) throws IOException {
        List<String> args = TEST.arguments(arguments);
        if (args == null) {
            return;
        }
        String user = args.get(0);
        if (args.size() == 2) {
            test(user, args.get(1).toCharArray());
            return;
        }
        System.out.print("Password for " + user + ": ");
        System.out.flush();
        char[] password = readPassword(session);
        try {
            test(user, password);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private void test(String user, char[] password) {
        List<DirectoryCheck.Step> steps = directory.test(user, password);
        String report = report(steps);
        if (passes(steps)) {
            System.out.print(report);
            return;
        }
        // Refused, or nothing to check against: the verdict is the failure's message, so the
        // command fails (exit 1 over bin/client) and a script notices; the output reads the same.
        int verdict = report.lastIndexOf("Refused: ");
        System.out.print(report.substring(0, verdict));
        throw new IllegalStateException(report.substring(verdict).strip());
    }

    private static boolean passes(List<DirectoryCheck.Step> steps) {
        return !steps.isEmpty() && steps.stream().allMatch(DirectoryCheck.Step::ok);
    }

    static String report(List<DirectoryCheck.Step> steps) {
        StringBuilder out = new StringBuilder();
        for (DirectoryCheck.Step s : steps) {
            out.append(String.format("%-4s %-13s %s%n", s.ok() ? "ok" : "FAIL", s.name(), s.detail()));
        }
        out.append(passes(steps) ? "Accepted: this login passes the filter.\n" : "Refused: this login would not pass the filter.\n");
        return out.toString();
    }

    /**
     * The password without echo on the console's terminal (JLine, reached by reflection so this
     * bundle needs no JLine import); over the remote shell on a terminal, from the session's input
     * with the SSH bundle's secret switch set, so it shows stars; from the session's input elsewhere.
     */
    private static char[] readPassword(CommandSession session) throws IOException {
        Object terminal = session.get(".jline.terminal");
        if (terminal != null) {
            try {
                Class<?> type = publicType(terminal.getClass(), "org.jline.terminal.Terminal");
                Method raw = type.getMethod("enterRawMode");
                Object saved = raw.invoke(terminal);
                try {
                    Object reader = type.getMethod("reader").invoke(terminal);
                    Method read = reader.getClass().getMethod("read");
                    read.setAccessible(true);
                    return readLine(() -> (Integer) read.invoke(reader));
                } finally {
                    type.getMethod("setAttributes", saved.getClass()).invoke(terminal, saved);
                    System.out.println();
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not the JLine we know: fall back to the session's input.
            }
        }
        InputStream in = session.getKeyboard();
        AtomicBoolean secret = SetupCommand.Prompter.secretSwitch(session);
        if (secret == null) {
            return readLine(in::read);
        }
        secret.set(true);
        try {
            return readLine(in::read);
        } finally {
            secret.set(false);
        }
    }

    private interface CharSource {
        int read() throws Exception;
    }

    private static char[] readLine(CharSource source) throws IOException {
        StringBuilder b = new StringBuilder();
        try {
            for (int c = source.read(); c >= 0 && c != '\n' && c != '\r'; c = source.read()) {
                if (c == 127 || c == 8) {
                    if (b.length() > 0) {
                        b.setLength(b.length() - 1);
                    }
                } else if (c == 3) {
                    throw new IOException("interrupted");
                } else {
                    b.append((char) c);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        char[] out = new char[b.length()];
        b.getChars(0, b.length(), out, 0);
        b.setLength(0);
        return out;
    }

    private static Class<?> publicType(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals(name)) {
                return k;
            }
            for (Class<?> i : k.getInterfaces()) {
                Class<?> found = find(i, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return c;
    }

    private static Class<?> find(Class<?> i, String name) {
        if (i.getName().equals(name)) {
            return i;
        }
        for (Class<?> s : i.getInterfaces()) {
            Class<?> f = find(s, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
