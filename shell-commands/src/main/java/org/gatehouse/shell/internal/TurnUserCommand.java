package org.gatehouse.shell.internal;

import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.SecretInput;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnUsers;
import org.osgi.service.component.annotations.Reference;

/**
 * A {@code turn:user-*} command. Gogo calls a {@link Function} service directly instead of looking
 * for a method named after the command, which is how a command name can carry a hyphen.
 */
abstract class TurnUserCommand implements Function {

    @Reference
    TurnUsers users;

    @Reference
    TurnAdmin admin;

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = usage().arguments(arguments);
        if (args == null) {
            return null;
        }
        String refused = admin.configurationProblem();
        if (refused != null) {
            // The file's realm may not be the one in force (refused at start, none is): a line written
            // now could be for the wrong realm, and a script should know nothing was done (exit 1).
            throw new CommandRefused(name() + ": " + refused + "; " + REFUSED);
        }
        try {
            run(session, args);
        } catch (IllegalArgumentException e) {
            // Refused: nothing changed, and the command fails (exit 1 over bin/client).
            throw new CommandRefused(name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CommandRefused(name() + ": cannot write " + users.file() + ": " + e, e);
        }
        return null;
    }

    /** The password typed for {@code user}; nothing typed (Ctrl-D, the input's end) refuses the command. */
    String ask(CommandSession session, String user) throws IOException {
        try {
            return SecretInput.newPassword(session::get, session.getKeyboard(), System.out, user);
        } catch (EOFException e) {
            throw new CommandRefused("no password entered; nothing written");
        }
    }

    static final String REFUSED = "nothing written while that file is refused (a user's key is made with its realm): fix it first";

    abstract String name();

    abstract Usage usage();

    abstract void run(CommandSession session, List<String> args) throws IOException;

    /** {@code turn:user-add <user> [password|-] [realm]}: the password asked for, unseen, when left out or {@code -}. */
    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.shell.turn.user-add", service = Function.class,
            property = {"osgi.command.scope=turn", "osgi.command.function=user-add"})
    public static final class Add extends TurnUserCommand {

        @Override
        String name() {
            return "turn:user-add";
        }

        @Override
        Usage usage() {
            return new Usage("turn:user-add <user> [password|-] [realm]",
                    "adds a TURN user or changes its password; the user file keeps md5(user:realm:password) only\n"
                    + "  asks for the password, twice and unseen, when it is left out or - (given, it shows in the shell history)", 1, 3);
        }

        @Override
        void run(CommandSession session, List<String> args) throws IOException {
            String realm = args.size() == 3 ? args.get(2) : null;
            String password = args.size() == 1 || args.get(1).equals("-") ? ask(session, args.get(0)) : args.get(1);
            users.add(args.get(0), password, realm);
            System.out.printf("User %s added for realm %s in %s; it applies to the next request.%n", args.get(0),
                    realm == null ? admin.realm() : realm, users.file());
        }
    }

    /** {@code turn:user-remove <user>}. */
    @org.osgi.service.component.annotations.Component(name = "org.gatehouse.shell.turn.user-remove", service = Function.class,
            property = {"osgi.command.scope=turn", "osgi.command.function=user-remove"})
    public static final class Remove extends TurnUserCommand {

        @Override
        String name() {
            return "turn:user-remove";
        }

        @Override
        Usage usage() {
            return new Usage("turn:user-remove <user>",
                    "removes every key of the user; its allocations relay on until they next authenticate", 1, 1);
        }

        @Override
        void run(CommandSession session, List<String> args) throws IOException {
            if (!users.remove(args.get(0))) {
                // Nothing to remove: a script that meant to take the user out should know (exit 1).
                throw new CommandRefused("no user " + args.get(0) + " in " + users.file());
            }
            System.out.println("User " + args.get(0) + " removed from " + users.file());
        }
    }
}
