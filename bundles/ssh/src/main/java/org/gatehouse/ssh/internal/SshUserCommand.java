package org.gatehouse.ssh.internal;

import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.SecretInput;
import org.gatehouse.core.config.InvalidSettingException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * {@code ssh:user-add}, {@code ssh:user-remove} and {@code ssh:users}: the password users of
 * {@code etc/ssh/users} (the {@code users} key of {@code etc/org.gatehouse.ssh.cfg}). Registered as
 * Gogo {@link Function} services, which is how a command name can carry a hyphen. They live beside the
 * SSH listener rather than in the shell commands bundle because this bundle is itself a Gogo front end.
 */
abstract class SshUserCommand implements Function {

    private volatile PasswordFile passwords = new PasswordFile(org.gatehouse.core.config.InstallationPaths.resolve(SshSettings.DEFAULT_USERS));

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        try {
            passwords = new PasswordFile(SshConfiguration.of(properties).users());
        } catch (InvalidSettingException e) {
            // The listener component names the bad value; the commands keep the last good file.
        }
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        // As every Gatehouse command: --help or -h alone prints the usage, wrong arguments fail with it.
        if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
            System.out.println(usage());
            return null;
        }
        if (args.size() < minArguments() || args.size() > arguments()) {
            throw new CommandRefused("usage: " + usage());
        }
        if (org.gatehouse.core.config.InstallationPaths.inKaraf()) {
            // This bundle's SSH stays off in Karaf: a user written here could never log in.
            throw new CommandRefused(name() + ": Gatehouse's SSH is off inside Apache Karaf; its users are Karaf's"
                    + " (etc/users.properties, or jaas:useradd)");
        }
        PasswordFile p = passwords;
        String done;
        try {
            done = run(session, p, args);
        } catch (IllegalArgumentException e) {
            // Refused or nothing to do: the file is unchanged, and the command fails (exit 1 over bin/client).
            throw new CommandRefused(name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CommandRefused(name() + ": cannot read or write " + p.file() + ": " + e, e);
        }
        System.out.print(done);
        return null;
    }

    abstract String name();

    /** The command line and what it does, as the operator reads it when the arguments are wrong. */
    abstract String usage();

    /** How many arguments the command takes at most. */
    abstract int arguments();

    /** How many arguments the command takes at least. */
    int minArguments() {
        return arguments();
    }

    abstract String run(CommandSession session, PasswordFile passwords, List<String> args) throws IOException;

    String ask(CommandSession session, String user) throws IOException {
        try {
            return SecretInput.newPassword(session::get, session.getKeyboard(), System.out, user);
        } catch (EOFException e) {
            throw new CommandRefused("no password entered; nothing written");
        }
    }

    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.ssh.user-add", service = Function.class,
            configurationPid = SshSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
            property = {"osgi.command.scope=ssh", "osgi.command.function=user-add"})
    public static final class Add extends SshUserCommand {

        @Override
        String name() {
            return "ssh:user-add";
        }

        @Override
        String usage() {
            return "ssh:user-add <user> [password]\n"
                    + "  adds an SSH user or changes its password; the file keeps a salted PBKDF2 hash only\n"
                    + "  asks for the password, twice and unseen, when it is left out (given, it shows in the shell history)";
        }

        @Override
        int arguments() {
            return 2;
        }

        @Override
        int minArguments() {
            return 1;
        }

        @Override
        String run(CommandSession session, PasswordFile passwords, List<String> args) throws IOException {
            String password = args.size() == 2 ? args.get(1) : ask(session, args.get(0));
            passwords.add(args.get(0), password);
            return "SSH user " + args.get(0) + " set in " + passwords.file() + "; it applies to the next login.\n";
        }
    }

    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.ssh.user-remove", service = Function.class,
            configurationPid = SshSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
            property = {"osgi.command.scope=ssh", "osgi.command.function=user-remove"})
    public static final class Remove extends SshUserCommand {

        @Override
        String name() {
            return "ssh:user-remove";
        }

        @Override
        String usage() {
            return "ssh:user-remove <user>\n  removes the user's password; open sessions stay until they end";
        }

        @Override
        int arguments() {
            return 1;
        }

        @Override
        String run(CommandSession session, PasswordFile passwords, List<String> args) throws IOException {
            if (!passwords.remove(args.get(0))) {
                // Nothing to remove: a script that meant to take the user out should know (exit 1).
                throw new CommandRefused("no user " + args.get(0) + " in " + passwords.file());
            }
            return "SSH user " + args.get(0) + " removed from " + passwords.file() + "\n";
        }
    }

    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.ssh.users", service = Function.class,
            configurationPid = SshSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
            property = {"osgi.command.scope=ssh", "osgi.command.function=users"})
    public static final class Users extends SshUserCommand {

        @Override
        String name() {
            return "ssh:users";
        }

        @Override
        String usage() {
            return "ssh:users\n  lists the password users of the remote shell";
        }

        @Override
        int arguments() {
            return 0;
        }

        @Override
        String run(CommandSession session, PasswordFile passwords, List<String> args) throws IOException {
            List<String> names = passwords.users();
            StringBuilder out = new StringBuilder(String.format("%d password user%s in %s%n", names.size(),
                    names.size() == 1 ? "" : "s", passwords.file()));
            names.forEach(n -> out.append("  ").append(n).append('\n'));
            return out.toString();
        }
    }
}
