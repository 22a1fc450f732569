package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The wizard's apply step against a configuration store that records what is written. */
class SetupConfigTest {

    @TempDir
    Path data;

    /** Configuration Admin as proxies: every configuration empty, every update recorded by PID. */
    private static ConfigurationAdmin recording(List<String> updates) {
        Map<String, Configuration> configurations = new HashMap<>();
        return (ConfigurationAdmin) Proxy.newProxyInstance(SetupConfigTest.class.getClassLoader(), new Class<?>[] {ConfigurationAdmin.class},
                (cm, method, args) -> switch (method.getName()) {
                    case "getConfiguration", "getFactoryConfiguration" -> configurations.computeIfAbsent(String.valueOf(args[0]),
                            pid -> (Configuration) Proxy.newProxyInstance(SetupConfigTest.class.getClassLoader(), new Class<?>[] {Configuration.class},
                                    (c, m, a) -> switch (m.getName()) {
                                        case "getProperties" -> null;
                                        case "getPid" -> pid;
                                        case "update" -> {
                                            updates.add(pid + " " + (a == null ? "" : ((Dictionary<?, ?>) a[0]).size()));
                                            yield null;
                                        }
                                        default -> null;
                                    }));
                    case "listConfigurations" -> null;
                    default -> null;
                });
    }

    /** A user file that refuses the new user (a bad line elsewhere in it). */
    private static final TurnAccounts REFUSING = new TurnAccounts() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public void add(String user, String password) {
            throw new IllegalArgumentException("etc/turn-users: line 4: key of user eve is not 32 hex digits; fix that line first (nothing was changed)");
        }

        @Override
        public String file() {
            return "etc/turn-users";
        }
    };

    @Test
    void aUserFileThatRefusesTheUserLeavesEveryOtherFileAsItWas() throws Exception {
        List<String> updates = new ArrayList<>();
        SetupConfig config = new SetupConfig(recording(updates));
        Map<String, String> current = config.current(REFUSING);
        Map<String, String> answers = Map.of("management-networks", "127.0.0.0/8, ::1, 10.0.50.0/24", "nodes", "10.40.0.10:443",
                "turn", "enable", "turn-user", "conference", "turn-password", "a long secret");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.apply(answers, current, REFUSING, data));
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        assertEquals(List.of(), updates, "nothing written before the user file refused");
    }
}
