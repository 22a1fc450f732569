package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user file as turn:user-add and turn:user-remove change it. */
class UserFileTest {

    @TempDir
    Path dir;

    /**
     * A bad line is named by its number in the file as the operator sees it (and as the log names
     * it), not by its number once the user's own line was taken out.
     */
    @Test
    void aBadLineIsNamedByItsLineInTheFileWhenAUserAboveItIsRemovedOrReplaced() throws Exception {
        Path file = dir.resolve("turn-users");
        String text = String.join("\n", "# users", "alice:s3cret:gatehouse", "", "carol:pw", "dave:pw", "bob:pw:gatehouse",
                "frank", "") ;
        Files.writeString(file, text);
        UserFile users = new UserFile(file);
        users.refresh();

        IllegalArgumentException removed = assertThrows(IllegalArgumentException.class, () -> users.remove("bob"));
        assertTrue(removed.getMessage().contains(": line 7: ") && removed.getMessage().contains("\"frank\""), removed.getMessage());
        IllegalArgumentException added = assertThrows(IllegalArgumentException.class,
                () -> users.add("alice", "new", "gatehouse", "gatehouse"));
        assertTrue(added.getMessage().contains(": line 7: "), added.getMessage());
        assertEquals(text, Files.readString(file), "nothing was changed");
    }

    @Test
    void removeTakesOutEveryLineOfTheUserAndKeepsTheOthersAsTheyWere() throws Exception {
        Path file = dir.resolve("turn-users");
        Files.writeString(file, String.join("\n", "# users", "bob:pw", "", "alice:pw", "bob:pw2:other", ""));
        UserFile users = new UserFile(file);
        users.refresh();
        assertTrue(users.remove("bob"));
        assertEquals(List.of("# users", "", "alice:pw"), Files.readAllLines(file));
        assertEquals(List.of("alice@gatehouse"), users.names("gatehouse"));
    }
}
