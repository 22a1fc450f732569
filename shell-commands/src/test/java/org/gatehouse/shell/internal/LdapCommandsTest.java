package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.gatehouse.auth.ldap.DirectoryCheck.Step;
import org.junit.jupiter.api.Test;

class LdapCommandsTest {

    @Test
    void eachStepIsOneLineAndTheVerdictFollows() {
        String ok = LdapCommands.report(List.of(new Step("connect", true, "ldaps://dc1:636, TLS verified"),
                new Step("user bind", true, "as uid=a")));
        assertEquals("ok   connect       ldaps://dc1:636, TLS verified\nok   user bind     as uid=a\n"
                + "Accepted: this login passes the filter.\n", ok.replace(System.lineSeparator(), "\n"));
        String refused = LdapCommands.report(List.of(new Step("connect", false, "ldap://x:389: connect error")));
        assertEquals("FAIL connect       ldap://x:389: connect error\nRefused: this login would not pass the filter.\n",
                refused.replace(System.lineSeparator(), "\n"));
    }
}
