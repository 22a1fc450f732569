package org.gatehouse.core.config;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@code etc/*.cfg} file as the operator wrote it, for the commands that change a few of its keys
 * (the node commands, the setup wizard): they read the file from disk, replace the entries of those
 * keys (each with its continuation lines), and every other line, comment and blank line stays byte
 * for byte. Such a command never writes a file through ConfigAdmin: FileInstall would write every
 * key as the server holds it, and an edit of the file that its poll has not read yet would be lost.
 * The text is ISO-8859-1, as {@code .properties} files are read, so that bytes of any other encoding
 * come back unchanged.
 */
public final class CfgFile {

    /** One lock per file, across bundles (this class is core's, loaded once). */
    private static final ConcurrentHashMap<Path, Object> EDITS = new ConcurrentHashMap<>();

    private CfgFile() {
    }

    /**
     * The lock to hold from reading a file to writing it back changed, so that two commands editing it
     * at once (setup and proxy:node-add on a pool's file) do not write back each other's text without
     * the other's change. The same object for every spelling of the path, through symbolic links too
     * (an {@code etc} linked to {@code /etc/gatehouse}: FileInstall names the file by one path, the
     * commands by the other).
     */
    public static Object editLock(Path file) {
        Path written;
        try {
            // The file a write through this path reaches, as AtomicFiles finds it.
            written = AtomicFiles.linkedFile(file);
        } catch (IOException e) {
            written = file.toAbsolutePath().normalize();
        }
        return EDITS.computeIfAbsent(written, k -> new Object());
    }

    /**
     * The file's entries as FileInstall reads them (the last entry of a key wins).
     *
     * @throws IllegalArgumentException when the text cannot be read as a {@code .cfg} file (a malformed
     *     {@code \\uXXXX} escape)
     */
    public static Properties entries(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("it cannot be read as a .cfg file (" + e.getMessage() + ")");
        }
        return p;
    }

    /**
     * The file a configuration was read from ({@link Settings#FILEINSTALL_FILENAME}, a {@code file:} URI
     * or a path), or null for one set through ConfigAdmin alone.
     */
    public static Path of(Dictionary<String, ?> properties) {
        return path(properties == null ? null : properties.get(Settings.FILEINSTALL_FILENAME));
    }

    /** {@link #of(Dictionary)} for the properties a component is given. */
    public static Path of(Map<String, ?> properties) {
        return path(properties == null ? null : properties.get(Settings.FILEINSTALL_FILENAME));
    }

    private static Path path(Object f) {
        if (f == null) {
            return null;
        }
        String s = f.toString();
        return s.startsWith("file:") ? Path.of(URI.create(s)) : Path.of(s);
    }

    /** The file's text, or null when there is no such file. */
    public static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : null;
    }

    /**
     * {@code text} with the entry of {@code key} in force (the last) replaced by {@code key = value},
     * or that line added at the end; earlier entries of the key, which nothing reads, stay. The value
     * is escaped as a {@code .properties} value.
     */
    public static String with(String text, String key, String value) {
        String entry = (key + " = " + escape(value)).strip();
        List<String> lines = lines(text);
        int first = -1;
        int last = -1;
        for (int i = 0; i < lines.size(); i++) {
            int start = i;
            String line = lines.get(i);
            // A logical line goes on while its physical line ends in an odd number of backslashes;
            // a comment line never goes on.
            boolean comment = isComment(line);
            while (!comment && continues(line) && i + 1 < lines.size()) {
                line = lines.get(++i);
            }
            if (!comment && key(lines.get(start)).equals(key)) {
                first = start;
                last = i;
            }
        }
        StringBuilder out = new StringBuilder();
        if (first < 0) {
            out.append(text);
            if (!text.isEmpty() && !text.endsWith("\n") && !text.endsWith("\r")) {
                out.append(terminator(text));
            }
            return out.append(entry).append(terminator(text)).toString();
        }
        for (int i = 0; i < first; i++) {
            out.append(lines.get(i));
        }
        String end = lines.get(last).substring(body(lines.get(last)).length());
        out.append(entry).append(end.isEmpty() && last + 1 < lines.size() ? terminator(text) : end);
        for (int i = last + 1; i < lines.size(); i++) {
            out.append(lines.get(i));
        }
        return out.toString();
    }

    /**
     * Writes {@code text} whole or not at all ({@link AtomicFiles}), so that FileInstall never reads half
     * a file. The file is left readable by its owner only: a {@code .cfg} file may hold a secret (the
     * LDAP bind password, the TURN REST secret), and such a file has always been written this way.
     */
    public static void write(Path file, String text) throws IOException {
        AtomicFiles.write(file, text, StandardCharsets.ISO_8859_1, AtomicFiles.Option.OWNER_ONLY);
    }

    /** {@code value} as a {@code .properties} value that reads back as itself. */
    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c == ' ' && i == 0) {
                        out.append("\\ ");
                    } else if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The physical lines, each with its terminator. */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    private static String body(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return line.substring(0, end);
    }

    private static String terminator(String text) {
        return text.contains("\r\n") ? "\r\n" : "\n";
    }

    private static boolean isComment(String line) {
        String s = body(line).stripLeading();
        return s.isEmpty() || s.charAt(0) == '#' || s.charAt(0) == '!';
    }

    private static boolean continues(String line) {
        String s = body(line);
        int backslashes = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The key of an entry line: up to the first unescaped '=', ':' or white space. */
    private static String key(String line) {
        String s = body(line).stripLeading();
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                k.append(s.charAt(++i));
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            } else {
                k.append(c);
            }
        }
        return k.toString();
    }
}
