package org.gatehouse.core.config;

import java.lang.reflect.Array;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.gatehouse.core.net.AddressSet;

/**
 * Typed, validated access to one configuration's properties. Values from {@code .cfg} files arrive as
 * strings, values set through ConfigAdmin may arrive typed; both are accepted. Every failure is an
 * {@link InvalidSettingException} naming the file and key.
 */
public final class Settings {

    /** Property FileInstall adds to a configuration it read from a file. */
    public static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";

    private final String source;
    private final Map<String, Object> properties;

    private Settings(String source, Map<String, Object> properties) {
        this.source = source;
        this.properties = properties;
    }

    /** @param pid used to name the source when the configuration did not come from a file */
    public static Settings of(String pid, Map<String, ?> properties) {
        Map<String, Object> copy = properties == null ? Map.of() : new HashMap<>(properties);
        return new Settings(describeSource(pid, copy.get(FILEINSTALL_FILENAME)), copy);
    }

    public static Settings of(String pid, Dictionary<String, ?> properties) {
        Map<String, Object> map = new HashMap<>();
        if (properties != null) {
            for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                map.put(k, properties.get(k));
            }
        }
        return of(pid, map);
    }

    private static String describeSource(String pid, Object fileName) {
        if (fileName == null) {
            return "configuration " + pid;
        }
        String f = fileName.toString();
        try {
            Path p = f.startsWith("file:") ? Path.of(URI.create(f)) : Path.of(f);
            Path parent = p.getParent();
            return parent != null && parent.getFileName() != null
                    ? parent.getFileName() + "/" + p.getFileName()
                    : p.toString();
        } catch (RuntimeException e) {
            return f;
        }
    }

    /** Keys read on this thread while {@link #unknownKeys} runs a parse; null otherwise. */
    private static final ThreadLocal<Set<String>> READ = new ThreadLocal<>();

    private Object get(String key) {
        Set<String> read = READ.get();
        if (read != null) {
            read.add(key);
        }
        return properties.get(key);
    }

    /** One parse of a configuration, as a component does it. */
    @FunctionalInterface
    public interface Parse {
        void run() throws InvalidSettingException;
    }

    /**
     * The warning for keys of {@code properties} that none of {@code parses} reads (a misspelt key is
     * otherwise ignored without a word, and its default stays in force), naming the file and each such
     * key, with the key it most likely meant; null when every key is read, or when a parse refuses the
     * configuration (that refusal is the line to show). Run every parse of the file's readers: keys
     * with a dot ({@code service.pid}, FileInstall's and Karaf's own) are not the operator's and are
     * left out.
     */
    public static String unknownKeys(String pid, Map<String, ?> properties, Parse... parses) {
        Set<String> read = new HashSet<>();
        Set<String> outer = READ.get();
        READ.set(read);
        try {
            for (Parse p : parses) {
                p.run();
            }
        } catch (InvalidSettingException | RuntimeException refused) {
            return null;
        } finally {
            READ.set(outer);
        }
        List<String> unknown = new ArrayList<>();
        if (properties != null) {
            for (String k : properties.keySet()) {
                if (k.indexOf('.') < 0 && !read.contains(k)) {
                    unknown.add(k);
                }
            }
        }
        if (unknown.isEmpty()) {
            return null;
        }
        Collections.sort(unknown);
        StringBuilder sb = new StringBuilder(of(pid, properties).source()).append(": ");
        for (int i = 0; i < unknown.size(); i++) {
            String k = unknown.get(i);
            sb.append(i == 0 ? "" : ", ").append(k);
            String meant = nearest(k, read);
            if (meant != null) {
                sb.append(" (did you mean ").append(meant).append("?)");
            }
        }
        return sb.append(unknown.size() == 1 ? " is not a setting of this file and is ignored"
                : " are not settings of this file and are ignored").toString();
    }

    /** {@link #unknownKeys(String, Map, Parse...)}'s warning, when there is one, handed to {@code warn} (a logger's warn). */
    public static void unknownKeys(Consumer<String> warn, String pid, Map<String, ?> properties, Parse... parses) {
        String unknown = unknownKeys(pid, properties, parses);
        if (unknown != null) {
            warn.accept(unknown);
        }
    }

    /** The known key within two edits of {@code key} (case aside), or null. */
    private static String nearest(String key, Set<String> known) {
        String best = null;
        int bestDistance = 3;
        String k = key.toLowerCase(Locale.ROOT);
        for (String candidate : known) {
            int d = distance(k, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A reading of a whole configuration, as a component does it. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Map<String, ?> properties) throws InvalidSettingException;
    }

    /**
     * What {@link #withoutRefusedKeys} could read: the settings (null when a refusal named no key the
     * file sets, or one already replaced) and every refusal met on the way, in order.
     *
     * @since 1.5
     */
    public record Partial<T>(T settings, List<InvalidSettingException> refused) {
    }

    /**
     * A file refused at start (nothing of it runs yet), read again without each refused key in turn:
     * {@code inPlaceOf} gives the value put in a refused key's place, null to leave the key out (its
     * built-in default). At most one round per key of the file.
     *
     * @since 1.5
     */
    public static <T> Partial<T> withoutRefusedKeys(Map<String, ?> properties, InvalidSettingException first, Reader<T> read,
            Function<String, Object> inPlaceOf) {
        Map<String, Object> rest = new HashMap<>(properties);
        List<InvalidSettingException> refused = new ArrayList<>();
        InvalidSettingException e = first;
        while (true) {
            refused.add(e);
            String key = e.key();
            Object instead = inPlaceOf.apply(key);
            if (!rest.containsKey(key) || instead != null && instead.equals(rest.get(key))) {
                return new Partial<>(null, refused);
            }
            if (instead == null) {
                rest.remove(key);
            } else {
                rest.put(key, instead);
            }
            try {
                return new Partial<>(read.read(rest), refused);
            } catch (InvalidSettingException next) {
                e = next;
            }
        }
    }

    /** Where the values came from, e.g. {@code etc/org.gatehouse.core.cfg}. */
    public String source() {
        return source;
    }

    public boolean has(String key) {
        Object v = get(key);
        return v != null && !(v instanceof String && ((String) v).isBlank());
    }

    public String string(String key, String defaultValue) {
        Object v = get(key);
        return v == null ? defaultValue : v.toString().strip();
    }

    public int integer(String key, int defaultValue, int min, int max) throws InvalidSettingException {
        Object v = get(key);
        if (!has(key)) {
            return defaultValue;
        }
        long n;
        if (v instanceof Number) {
            n = ((Number) v).longValue();
        } else {
            try {
                n = Long.parseLong(v.toString().strip());
            } catch (NumberFormatException e) {
                throw new InvalidSettingException(source, key, v, "is not a whole number");
            }
        }
        if (n < min || n > max) {
            throw new InvalidSettingException(source, key, v, "is out of range (" + min + " to " + max + ")");
        }
        return (int) n;
    }

    public boolean bool(String key, boolean defaultValue) throws InvalidSettingException {
        Object v = get(key);
        if (!has(key)) {
            return defaultValue;
        }
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        switch (v.toString().strip().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on":
                return true;
            case "false": case "no": case "off":
                return false;
            default:
                throw new InvalidSettingException(source, key, v, "is not true or false");
        }
    }

    public <E extends Enum<E>> E choice(String key, E defaultValue) throws InvalidSettingException {
        if (!has(key)) {
            return defaultValue;
        }
        String v = string(key, "");
        for (E e : defaultValue.getDeclaringClass().getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : defaultValue.getDeclaringClass().getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new InvalidSettingException(source, key, v, "is not one of " + String.join(", ", names));
    }

    /** A list written comma-separated in a {@code .cfg} file, or an array/collection set through ConfigAdmin. */
    public List<String> list(String key, List<String> defaultValue) {
        Object v = get(key);
        if (v == null) {
            return defaultValue;
        }
        List<String> out = new ArrayList<>();
        if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) {
                addSplit(out, String.valueOf(o));
            }
        } else if (v.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(v); i++) {
                addSplit(out, String.valueOf(Array.get(v, i)));
            }
        } else {
            addSplit(out, v.toString());
        }
        return out;
    }

    private static void addSplit(List<String> out, String text) {
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
    }

    /** Each list element converted by {@code parser}; the first that fails is reported with its reason. */
    public <T> List<T> list(String key, List<String> defaultValue, Function<String, T> parser) throws InvalidSettingException {
        List<T> out = new ArrayList<>();
        for (String s : list(key, defaultValue)) {
            try {
                out.add(parser.apply(s));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(source, key, s, "is invalid: " + e.getMessage());
            }
        }
        return out;
    }

    public AddressSet addresses(String key, List<String> defaultValue) throws InvalidSettingException {
        List<String> entries = list(key, defaultValue);
        try {
            return AddressSet.parse(entries);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(source, key, String.join(", ", entries), "is invalid: " + e.getMessage());
        }
    }
}
