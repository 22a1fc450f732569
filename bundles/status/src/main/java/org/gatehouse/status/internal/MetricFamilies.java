package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.gatehouse.status.Metrics;

/**
 * One scrape's samples, grouped by metric name, written as the Prometheus text exposition format
 * 0.0.4: a HELP and a TYPE line per name, then its samples. A second sample with the same name and
 * labels is refused (Prometheus fails a whole scrape with a duplicate), as is one with an invalid name
 * or label or of a type its name does not have: each alone, counted ({@link #refused()}), the others
 * written.
 */
final class MetricFamilies implements Metrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, Family> families = new LinkedHashMap<>();
    private int refused;
    private String firstRefusal;
    private String sourceFirstRefusal;

    private static final class Family {
        final String type;
        final String help;
        final List<String> samples = new ArrayList<>();
        final Set<String> labelSets = new HashSet<>();

        Family(String type, String help) {
            this.type = type;
            this.help = help;
        }
    }

    @Override
    public Metrics counter(String name, String help, double value, String... labels) {
        return add("counter", name, help, value, labels);
    }

    @Override
    public Metrics gauge(String name, String help, double value, String... labels) {
        return add("gauge", name, help, value, labels);
    }

    private Metrics add(String type, String name, String help, double value, String... labels) {
        String why = sample(type, name, help, value, labels);
        if (why != null) {
            // Refused alone: the source's other samples are still written.
            if (refused++ == 0) {
                firstRefusal = why;
            }
            if (sourceFirstRefusal == null) {
                sourceFirstRefusal = why;
            }
        }
        return this;
    }

    /** Adds one sample; returns why it is refused, or null. */
    private String sample(String type, String name, String help, double value, String... labels) {
        if (name == null || !METRIC_NAME.matcher(name).matches()) {
            return "invalid metric name '" + name + "'";
        }
        if (labels.length % 2 != 0) {
            return name + ": labels must be name, value pairs";
        }
        StringBuilder set = new StringBuilder();
        for (int i = 0; i < labels.length; i += 2) {
            String label = labels[i];
            if (label == null || !LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                return name + ": invalid label name '" + label + "'";
            }
            for (int j = 0; j < i; j += 2) {
                if (label.equals(labels[j])) {
                    return name + ": label '" + label + "' given twice";
                }
            }
            set.append(i == 0 ? "" : ",").append(label).append("=\"").append(escapeLabelValue(labels[i + 1])).append('"');
        }
        Family f = families.get(name);
        if (f == null) {
            f = new Family(type, help == null ? "" : help);
            families.put(name, f);
        } else if (!f.type.equals(type)) {
            return name + " is a " + f.type + ", not a " + type;
        }
        String labelSet = set.toString();
        // One series whatever the order its labels are given in.
        if (!f.labelSets.add(labels.length <= 2 ? labelSet : seriesKey(labels))) {
            return name + "{" + labelSet + "} was already written in this scrape";
        }
        f.samples.add(name + (labelSet.isEmpty() ? "" : "{" + labelSet + "}") + " " + formatValue(value));
        return null;
    }

    /** The labels as name=value pairs sorted by name: the same series for every order. */
    private static String seriesKey(String... labels) {
        String[] pairs = new String[labels.length / 2];
        for (int i = 0; i < labels.length; i += 2) {
            pairs[i / 2] = labels[i] + "=\"" + escapeLabelValue(labels[i + 1]) + '"';
        }
        java.util.Arrays.sort(pairs);
        return String.join(",", pairs);
    }

    /** From now on the samples are one source's: {@link #sourceFirstRefusal()} starts afresh. */
    void nextSource() {
        sourceFirstRefusal = null;
    }

    /** Why the first sample of the current source was refused, or null. */
    String sourceFirstRefusal() {
        return sourceFirstRefusal;
    }

    /** Samples refused so far in this scrape. */
    int refused() {
        return refused;
    }

    /** Why the first sample was refused, or null. */
    String firstRefusal() {
        return firstRefusal;
    }

    /** The exposition: every family with at least one sample, in the order first written. */
    String text() {
        StringBuilder out = new StringBuilder(4096);
        for (Map.Entry<String, Family> e : families.entrySet()) {
            Family f = e.getValue();
            out.append("# HELP ").append(e.getKey()).append(' ').append(escapeHelp(f.help)).append('\n');
            out.append("# TYPE ").append(e.getKey()).append(' ').append(f.type).append('\n');
            f.samples.forEach(s -> out.append(s).append('\n'));
        }
        return out.toString();
    }

    static String escapeLabelValue(String v) {
        String s = v == null ? "" : v;
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
