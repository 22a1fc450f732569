package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PrompterTest {

    /** The keys, and for each byte read whether the secret switch was on. */
    private static final class Keys extends InputStream {
        private final byte[] keys;
        private final AtomicBoolean secret;
        final List<Boolean> secretAt = new ArrayList<>();
        private int next;

        Keys(String keys, AtomicBoolean secret) {
            this.keys = keys.getBytes(StandardCharsets.UTF_8);
            this.secret = secret;
        }

        @Override
        public int read() {
            if (next == keys.length) {
                return -1;
            }
            secretAt.add(secret.get());
            return keys[next++];
        }
    }

    private static final SetupAnswers.Question NAME = new SetupAnswers.Question("name", "Name", s -> s);
    private static final SetupAnswers.Question PASSWORD = new SetupAnswers.Question("turn-password", "Password", s -> s);

    @Test
    void aSecretAnswerIsReadWithTheSwitchOnAndOnlyThen() {
        AtomicBoolean secret = new AtomicBoolean();
        Keys keys = new Keys("gh\npw\nok\n", secret);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        SetupCommand.Prompter p = new SetupCommand.Prompter(keys, new PrintStream(screen, true, StandardCharsets.UTF_8), secret, null);
        assertEquals("gh", p.ask(NAME, "x", false));
        assertEquals("pw", p.ask(PASSWORD, "", true));
        assertEquals("ok", p.ask(NAME, "x", false));
        assertEquals(List.of(false, false, false, true, true, true, false, false, false), keys.secretAt);
        assertFalse(secret.get(), "switched off after the answer");
        assertEquals("Name [x]: Password: Name [x]: ", screen.toString(StandardCharsets.UTF_8));
    }

    /** On the console's terminal, a secret question is printed once echo is off, so nothing typed at once shows. */
    @Test
    void aSecretQuestionIsPrintedOnceEchoIsOff() {
        SecretInputTest.FakeTerminal terminal = new SecretInputTest.FakeTerminal("pw\r");
        PrintStream screen = SecretInputTest.promptsInto(terminal.calls, "question");
        SetupCommand.Prompter p = new SetupCommand.Prompter(new Keys("", new AtomicBoolean()), screen, null, terminal);
        assertEquals("pw", p.ask(PASSWORD, "", true));
        assertEquals(List.of("raw", "question", "restored cooked"), terminal.calls);
    }

    @Test
    void withoutASwitchSecretsAreReadAsBefore() {
        AtomicBoolean unrelated = new AtomicBoolean();
        Keys keys = new Keys("pw\r\n", unrelated);
        SetupCommand.Prompter p = new SetupCommand.Prompter(keys, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals("pw", p.ask(PASSWORD, "", true));
        assertEquals(List.of(false, false, false), keys.secretAt);
    }
}
