package org.gatehouse.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4 for tests: every line is a HELP or TYPE comment
 * or a sample {@code name{labels} value}; every sample's family has HELP and TYPE before it; no series
 * twice. Gives the samples as {@code name{labels}} to value.
 */
final class Exposition {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:\\\\[\\\\\"n]|[^\"\\\\\\n])*\"";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*)?\\})? "
            + "(NaN|[+-]Inf|-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)");

    private Exposition() {
    }

    static Map<String, Double> parse(String text) {
        assertTrue(text.endsWith("\n"), "ends with a line feed");
        Map<String, Double> samples = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Map<String, String> typed = new HashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertTrue(helped.add(m.group(1)), "one HELP for " + m.group(1));
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertTrue(helped.contains(m.group(1)), "HELP before TYPE: " + line);
                assertEquals(null, typed.put(m.group(1), m.group(2)), "one TYPE for " + m.group(1));
                current = m.group(1);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                assertTrue(typed.containsKey(name), "TYPE before sample: " + line);
                assertEquals(current, name, "samples of a family together: " + line);
                if (typed.get(name).equals("counter")) {
                    assertTrue(name.endsWith("_total"), "counter named _total: " + name);
                }
                String series = name + (m.group(2) == null ? "" : m.group(2));
                String value = m.group(3);
                double v = value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("-Inf") ? Double.NEGATIVE_INFINITY
                        : Double.parseDouble(value);
                assertEquals(null, samples.put(series, v), "no duplicate series: " + series);
            } else {
                fail("not a valid exposition line: '" + line + "'");
            }
        }
        return samples;
    }
}
