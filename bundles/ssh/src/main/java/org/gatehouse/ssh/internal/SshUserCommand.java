package org.gatehouse.ssh.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
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
        PasswordFile p = passwords;
        try {
            System.out.print(run(p, args));
        } catch (IllegalArgumentException e) {
            System.out.println(name() + ": " + e.getMessage());
        } catch (IOException e) {
            System.out.println(name() + ": cannot write " + p.file() + ": " + e);
        }
        return null;
    }

    abstract String name();

    abstract String run(PasswordFile passwords, List<String> args) throws IOException;

    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.ssh.user-add", service = Function.class,
            configurationPid = SshSettings.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
            property = {"osgi.command.scope=ssh", "osgi.command.function=user-add"})
    public static final class Add extends SshUserCommand {

        @Override
        String name() {
            return "ssh:user-add";
        }

        @Override
        String run(PasswordFile passwords, List<String> args) throws IOException {
            if (args.size() != 2) {
                return "usage: ssh:user-add <user> <password>\n"
                        + "  adds an SSH user or changes its password; the file keeps a salted PBKDF2 hash only\n";
            }
            passwords.add(args.get(0), args.get(1));
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
        String run(PasswordFile passwords, List<String> args) throws IOException {
            if (args.size() != 1) {
                return "usage: ssh:user-remove <user>\n  removes the user's password; open sessions stay until they end\n";
            }
            return passwords.remove(args.get(0)) ? "SSH user " + args.get(0) + " removed from " + passwords.file() + "\n"
                    : "ssh:user-remove: no user " + args.get(0) + " in " + passwords.file() + "\n";
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
        String run(PasswordFile passwords, List<String> args) throws IOException {
            List<String> names = passwords.users();
            StringBuilder out = new StringBuilder(String.format("%d password user%s in %s%n", names.size(),
                    names.size() == 1 ? "" : "s", passwords.file()));
            names.forEach(n -> out.append("  ").append(n).append('\n'));
            return out.toString();
        }
    }
}
