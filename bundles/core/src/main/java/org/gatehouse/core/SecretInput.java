package org.gatehouse.core;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.lang.reflect.Method;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A password or secret typed at a shell, read without showing it: on the console's terminal (JLine,
 * reached by reflection so no bundle needs a JLine import) with echo off; over the remote shell on
 * a terminal from the session's input with the SSH bundle's secret switch ({@link #SWITCH}) set, so it
 * shows stars; from the session's input elsewhere (piped input, tests). A command passes its Gogo
 * session's variables as {@code session::get} and its keyboard, so this needs no Gogo import either.
 */
public final class SecretInput {

    /**
     * Session variable the remote shell (bundles/ssh) sets when a terminal is on the other side: an
     * {@link AtomicBoolean} a command sets while it reads a secret, so the typed characters show as stars.
     */
    public static final String SWITCH = ".gatehouse.secret";

    /** Session variables holding the JLine terminal: Felix Gogo JLine's console, then Apache Karaf's. */
    private static final String[] TERMINAL_VARIABLES = {".terminal", ".jline.terminal"};

    private SecretInput() {
    }

    /**
     * One line typed in the session whose variables are {@code variables} and keyboard {@code in},
     * unseen (the input's end ends it too); Ctrl-C or Ctrl-D is an {@link EOFException}.
     */
    public static char[] read(Function<String, Object> variables, InputStream in) throws IOException {
        return read(variables, in, null, null);
    }

    /**
     * {@link #read(Function, InputStream)} after {@code prompt} is printed on {@code out}, printed
     * only once echo is off (or the secret switch is on): what is typed as soon as the prompt shows
     * is not shown either. With a prompt printed first and echo turned off after, a quick typist (or
     * a busy server) had the first characters echoed in clear.
     */
    public static char[] read(Function<String, Object> variables, InputStream in, PrintStream out, String prompt)
            throws IOException {
        Runnable ask = () -> {
            if (prompt != null) {
                out.print(prompt);
                out.flush();
            }
        };
        char[] typed = fromTerminal(terminal(variables), ask);
        if (typed != null) {
            return typed;
        }
        AtomicBoolean secret = secretSwitch(variables);
        if (secret == null) {
            ask.run();
            return line(utf8(in));
        }
        secret.set(true);
        try {
            ask.run();
            return line(utf8(in));
        } finally {
            secret.set(false);
        }
    }

    /**
     * A new password for {@code who}, asked for twice on {@code out} and read unseen as {@link #read}
     * reads (a typing error no one saw would otherwise lock the user out). Two different answers or an
     * empty one are refused ({@link CommandRefused}, saying that nothing was written); Ctrl-C or
     * Ctrl-D, or the input's end, is an {@link EOFException}.
     */
    public static String newPassword(Function<String, Object> variables, InputStream in, PrintStream out, String who)
            throws IOException {
        char[] first = read(variables, in, out, "New password for " + who + ": ");
        char[] second = null;
        try {
            if (first.length == 0) {
                throw new CommandRefused("no password entered; nothing written");
            }
            second = read(variables, in, out, "Again: ");
            if (!java.util.Arrays.equals(first, second)) {
                throw new CommandRefused("the two passwords differ; nothing written");
            }
            return new String(first);
        } finally {
            java.util.Arrays.fill(first, '\0');
            if (second != null) {
                java.util.Arrays.fill(second, '\0');
            }
        }
    }

    /** The session's secret switch ({@link #SWITCH}), or null where there is none (the local console, piped input). */
    public static AtomicBoolean secretSwitch(Function<String, Object> variables) {
        return variables.apply(SWITCH) instanceof AtomicBoolean b ? b : null;
    }

    /** The session's JLine terminal, or null (the remote shell, piped input). */
    public static Object terminal(Function<String, Object> variables) {
        for (String name : TERMINAL_VARIABLES) {
            Object t = variables.apply(name);
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
    public static char[] fromTerminal(Object terminal) throws IOException {
        return fromTerminal(terminal, () -> { });
    }

    /** {@link #fromTerminal(Object)}, running {@code prompt} (which prints it) once echo is off; not run when null is returned. */
    public static char[] fromTerminal(Object terminal, Runnable prompt) throws IOException {
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
            prompt.run();
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
                // The last character, both halves of one outside the BMP.
                int last = b.length() == 0 ? 0 : Character.charCount(b.codePointBefore(b.length()));
                b.setLength(b.length() - last);
            } else {
                b.append((char) c);
            }
        }
        char[] out = new char[b.length()];
        b.getChars(0, b.length(), out, 0);
        b.setLength(0);
        return out;
    }

    /**
     * The characters of bytes a terminal (or a pipe) sends as UTF-8, read one byte at a time (a
     * decoder reading ahead would take the next line's bytes too). Bytes that are not UTF-8 are
     * refused, never stored as a password that no login could type.
     */
    private static CharSource utf8(InputStream in) {
        int[] low = {-1};
        return () -> {
            if (low[0] >= 0) {
                int c = low[0];
                low[0] = -1;
                return c;
            }
            int lead = in.read();
            if (lead < 0x80) {
                return lead;
            }
            byte[] sequence = new byte[lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2];
            sequence[0] = (byte) lead;
            for (int i = 1; i < sequence.length; i++) {
                int b = in.read();
                sequence[i] = (byte) Math.max(b, 0);
            }
            try {
                java.nio.CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(sequence));
                if (chars.remaining() == 2) {
                    low[0] = chars.get(1);
                }
                return chars.get(0);
            } catch (CharacterCodingException e) {
                throw new CommandRefused("what was typed is not UTF-8 text");
            } finally {
                java.util.Arrays.fill(sequence, (byte) 0);
            }
        };
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
