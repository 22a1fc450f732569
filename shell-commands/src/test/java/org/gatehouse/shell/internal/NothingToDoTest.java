package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.turn.AllocationInfo;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;
import org.gatehouse.turn.TurnUsers;
import org.junit.jupiter.api.Test;

/**
 * A command asked to remove or end something that is not there fails (exit 1 over bin/client: the
 * remote shell fails a command that throws), in its own words, as proxy:node-remove does.
 */
class NothingToDoTest {

    static final Path FILE = Path.of("/opt/gatehouse/etc/turn-users");

    @Test
    void turnUserRemoveOfAnUnknownUserFails() {
        TurnUserCommand.Remove remove = new TurnUserCommand.Remove();
        remove.users = new NoUsers();
        remove.admin = new NoAllocations();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> remove.execute(null, List.of("nobody")));
        assertEquals("turn:user-remove: no user nobody in " + FILE, e.getMessage());
    }

    @Test
    void turnKillOfAnUnknownAllocationFails() {
        TurnCommands commands = new TurnCommands();
        commands.admin = new NoAllocations();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.kill("9999"));
        assertEquals("turn:kill: no allocation 9999", e.getMessage());
    }

    @Test
    void turnKillOfSomethingThatIsNoNumberSaysWhatItWants() {
        TurnCommands commands = new TurnCommands();
        commands.admin = new NoAllocations();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.kill("abc"));
        assertEquals("turn:kill: 'abc' is not an allocation id (the number in the id column of turn:allocations)", e.getMessage());
    }

    @Test
    void banRemoveOfAnAddressWithNoBanFails() {
        BanCommands commands = new BanCommands();
        commands.bans = new NoBans();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.remove("192.0.2.1"));
        assertEquals("ban:remove: 192.0.2.1 is neither banned nor counted", e.getMessage());
    }

    static class NoUsers implements TurnUsers {

        @Override
        public Path file() {
            return FILE;
        }

        @Override
        public List<String> users() {
            return List.of();
        }

        @Override
        public int usersInRealm() {
            return 0;
        }

        @Override
        public java.util.SortedMap<String, Integer> linesForOtherRealms() {
            return new java.util.TreeMap<>();
        }

        @Override
        public void add(String user, String password, String realm) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean remove(String user) {
            return false;
        }
    }

    /** A TURN server with no allocations, quiet counters, the realm and on/off given. */
    static class NoAllocations implements TurnAdmin {

        static final TurnStatistics QUIET = new TurnStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        private final String realm;
        private final boolean enabled;
        private final String refused;

        NoAllocations() {
            this("gatehouse", true);
        }

        NoAllocations(String realm, boolean enabled) {
            this(realm, enabled, null);
        }

        NoAllocations(String realm, boolean enabled, String refused) {
            this.realm = realm;
            this.enabled = enabled;
            this.refused = refused;
        }

        @Override
        public List<AllocationInfo> allocations() {
            return List.of();
        }

        @Override
        public boolean kill(long id) {
            return false;
        }

        @Override
        public TurnStatistics statistics() {
            return QUIET;
        }

        @Override
        public String realm() {
            return realm;
        }

        @Override
        public boolean enabled() {
            return enabled;
        }

        @Override
        public String configurationProblem() {
            return refused;
        }
    }

    static final class NoBans implements BanList {

        @Override
        public List<Ban> bans() {
            return List.of();
        }

        @Override
        public List<FailureCount> failures() {
            return List.of();
        }

        @Override
        public boolean remove(String address) {
            return false;
        }

        @Override
        public BanStatistics statistics() {
            throw new UnsupportedOperationException();
        }
    }
}
