package org.gatehouse.shell.internal;

import java.io.IOException;
import java.util.List;
import org.gatehouse.turn.TurnUsers;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The TURN users as the setup wizard needs them. A service of this bundle's own type, so that the
 * wizard's class never names the TURN bundle's API: without that bundle this component stays
 * unsatisfied and the wizard runs with TURN off.
 */
interface TurnAccounts {

    /** The users, as {@code user@realm}. */
    List<String> names();

    /** Adds the user (or changes its password) in the configured realm. */
    void add(String user, String password) throws IOException;

    String file();

    @Component(name = "org.gatehouse.shell.setup.turn-users", service = TurnAccounts.class)
    final class FromTurn implements TurnAccounts {

        @Reference
        TurnUsers users;

        @Override
        public List<String> names() {
            return users.users();
        }

        @Override
        public void add(String user, String password) throws IOException {
            users.add(user, password, null);
        }

        @Override
        public String file() {
            return users.file().toString();
        }
    }
}
