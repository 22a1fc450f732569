package org.gatehouse.shell.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.felix.service.command.CommandSession;

/**
 * A password or secret typed at a shell, read without showing it: on the console's terminal (JLine,
 * reached by reflection so this bundle needs no JLine import) with echo off; over the remote shell on
 * a terminal from the session's input with the SSH bundle's secret switch set, so it shows stars;
 * from the session's input elsewhere (piped input, tests).
 */
final class SecretInput {

    /** Session variables holding the JLine terminal: Felix Gogo JLine's console, then Apache Karaf's. */
    private static final String[] TERMINAL_VARIABLES = {".terminal", ".jline.terminal"};

    private SecretInput() {
    }

    /** One line typed in the session, unseen (the input's end ends it too); Ctrl-C or Ctrl-D is an {@link EOFException}. */
    static char[] read(CommandSession session) throws IOException {
        char[] typed = fromTerminal(terminal(session));
        if (typed != null) {
            return typed;
        }
        InputStream in = session.getKeyboard();
        AtomicBoolean secret = SetupCommand.Prompter.secretSwitch(session);
        if (secret == null) {
            return line(in::read);
        }
        secret.set(true);
        try {
            return line(in::read);
        } finally {
            secret.set(false);
        }
    }

    /** The session's JLine terminal, or null (the remote shell, piped input). */
    static Object terminal(CommandSession session) {
        for (String name : TERMINAL_VARIABLES) {
            Object t = session.get(name);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /**
     * One line from {@code terminal} with echo off (raw mode, restored after), or null when it is not
     * a JLine terminal this code knows (then nothing was read).
     */
    static char[] fromTerminal(Object terminal) throws IOException {
        if (terminal == null) {
            return null;
        }
        Class<?> type = publicType(terminal.getClass(), "org.jline.terminal.Terminal");
        Object saved;
        Reader reader;
        Method restore;
        try {
            saved = type.getMethod("enterRawMode").invoke(terminal);
            restore = type.getMethod("setAttributes", saved.getClass());
            reader = (Reader) type.getMethod("reader").invoke(terminal);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
        try {
            return line(reader::read);
        } finally {
            try {
                restore.invoke(terminal, saved);
            } catch (ReflectiveOperationException e) {
                // The terminal stays raw until the console's next prompt sets it again.
            }
            System.out.println();
        }
    }

    private interface CharSource {
        int read() throws IOException;
    }

    /** Up to CR, LF or the end; backspace and delete remove the last character; Ctrl-C or Ctrl-D stop. */
    private static char[] line(CharSource source) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = source.read(); c >= 0 && c != '\n' && c != '\r'; c = source.read()) {
            if (c == 3 || c == 4) {
                b.setLength(0);
                throw new EOFException("nothing entered");
            }
            if (c == 127 || c == 8) {
                if (b.length() > 0) {
                    b.setLength(b.length() - 1);
                }
            } else {
                b.append((char) c);
            }
        }
        char[] out = new char[b.length()];
        b.getChars(0, b.length(), out, 0);
        b.setLength(0);
        return out;
    }

    private static Class<?> publicType(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (k.getName().equals(name)) {
                return k;
            }
            for (Class<?> i : k.getInterfaces()) {
                Class<?> found = find(i, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return c;
    }

    private static Class<?> find(Class<?> i, String name) {
        if (i.getName().equals(name)) {
            return i;
        }
        for (Class<?> s : i.getInterfaces()) {
            Class<?> f = find(s, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
