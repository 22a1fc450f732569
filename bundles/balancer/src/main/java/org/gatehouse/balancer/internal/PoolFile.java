package org.gatehouse.balancer.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A pool's {@code .cfg} file as the operator wrote it, for the node commands: they read its
 * {@code nodes} key and replace that one entry (with its continuation lines), and every other line,
 * comment and blank line stays byte for byte. The text is ISO-8859-1, as {@code .properties} files
 * are read, so that bytes of any other encoding come back unchanged.
 */
final class PoolFile {

    private PoolFile() {
    }

    /** The {@code nodes} value as FileInstall reads it (the last entry wins), or null when there is none. */
    static String nodes(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            // A malformed \\uXXXX escape somewhere in the file.
            throw new IllegalArgumentException("it cannot be read as a .cfg file (" + e.getMessage() + ")");
        }
        return p.getProperty("nodes");
    }

    /** {@code text} with its {@code nodes} entry (the one in force: the last) replaced by {@code nodes = value}, or that line added. */
    static String withNodes(String text, String value) {
        String entry = ("nodes = " + value).strip();
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
            if (!comment && key(lines.get(start)).equals("nodes")) {
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
