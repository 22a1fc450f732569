package org.gatehouse.shell.internal;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.SecretInput;
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
        char[] password;
        try {
            password = SecretInput.read(session::get, session.getKeyboard(), System.out, "Password for " + user + ": ");
        } catch (EOFException e) {
            throw new CommandRefused("ldap:test: no password entered; nothing checked");
        }
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
        throw new CommandRefused(report.substring(verdict).strip());
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
}
