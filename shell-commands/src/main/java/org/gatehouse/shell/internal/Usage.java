package org.gatehouse.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gatehouse.core.CommandRefused;

/**
 * A command's usage, and the one way every Gatehouse command reads its arguments: {@code --help} or
 * {@code -h} alone prints the usage (exit 0); too few or too many arguments fail with it (exit 1 over
 * bin/client) instead of Gogo's "Cannot coerce ...". The commands take their arguments as given
 * ({@code Object...}), so that this check, not Gogo's method matching, answers.
 *
 * @param synopsis the command line, e.g. {@code stun:probe <host[:port]>}
 * @param description what it does, one line first (help lists it); more lines indented by two spaces
 * @param min the fewest arguments it takes
 * @param max the most arguments it takes
 */
record Usage(String synopsis, String description, int min, int max) {

    /** The words to run the command with, or null when it was asked for its usage and printed it. */
    List<String> arguments(Object... given) {
        return arguments(Arrays.asList(given));
    }

    /** The words to run the command with, or null when it was asked for its usage and printed it. */
    List<String> arguments(List<?> given) {
        List<String> args = words(given);
        if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
            System.out.println(this);
            return null;
        }
        if (args.size() < min || args.size() > max) {
            throw new CommandRefused("usage: " + this);
        }
        return args;
    }

    @Override
    public String toString() {
        return synopsis + "\n  " + description;
    }

    /**
     * The arguments as words. Gogo reads an unquoted {@code [::1]:9006} as a list ({@code [::1]})
     * followed by the word {@code :9006}; a list of one IPv6 address followed by {@code :port} is put
     * back together, so the address works quoted or not. A list of one IPv6 address alone is that
     * address in brackets.
     */
    static List<String> words(List<?> arguments) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            Object a = arguments.get(i);
            if (a instanceof List<?> list && list.size() == 1 && String.valueOf(list.get(0)).contains(":") && i + 1 < arguments.size()
                    && String.valueOf(arguments.get(i + 1)).matches(":[0-9]+")) {
                out.add("[" + list.get(0) + "]" + arguments.get(++i));
            } else {
                out.add(String.valueOf(a));
            }
        }
        return out;
    }
}
