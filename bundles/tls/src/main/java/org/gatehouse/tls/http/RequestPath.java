package org.gatehouse.tls.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The ways the node behind the front door may read a request path. The front door routes on the
 * path as sent, but a node decodes and normalises it first, as ordinary HTTP servers do, each a
 * little differently: {@code /%61pi/}, {@code /webapp/../api/}, {@code //api/} and, to a servlet
 * container, {@code /api;x/} are all its {@code /api/}. A filter that acts on some paths only (the
 * LDAP filter's guarded paths, the ban's token requests) has to recognise every such spelling, or a
 * client spells its way around it: one definition, so every filter reads paths the same way.
 *
 * <p>Letter case is left as sent: whether {@code /API/} is {@code /api/} depends on the node (IIS
 * ignores case, nginx does not), and the filter decides what is safe for it.
 *
 * @since 1.4
 */
public final class RequestPath {

    /** Characters a URI path may not hold as they are (RFC 3986): a node refuses such a target, or reads it its own way. */
    private static final String NOT_IN_A_PATH = "\"<>\\^`{|}[]";

    private RequestPath() {
    }

    /**
     * Every reading of {@code path} (the request target without its query) a node may take: as sent;
     * percent escapes decoded, then repeated slashes merged and dot segments resolved (and the other
     * way round, as some servers do); and, when it holds {@code ;} parameters, each of those without
     * them, as servlet containers read it ({@code /api;jsessionid=1/} is their {@code /api/},
     * {@code /..;/} their {@code /../}). A decoded backslash also counts as a slash, as on Windows
     * nodes. The path as sent comes first; no reading appears twice.
     *
     * @return the readings, or null when the path cannot be read at all (it does not start with
     *         {@code /}, has a malformed percent escape or a character a URI path may not hold):
     *         a node refuses it or reads it in a way nobody can predict
     */
    public static List<String> readings(String path) {
        if (path == null || !path.startsWith("/")) {
            return null;
        }
        if (plain(path)) {
            // The usual request: nothing to decode, merge or resolve, so its one reading is itself.
            return List.of(path);
        }
        Set<String> out = new LinkedHashSet<>();
        List<String> sent = path.indexOf(';') < 0 ? List.of(path) : List.of(path, withoutParameters(path));
        for (String v : sent) {
            String decoded = decode(v);
            if (decoded == null) {
                return null;
            }
            out.add(v);
            String resolved = resolve(v);
            if (decoded == v) {
                out.add(resolved);
            } else {
                out.add(resolve(decoded));
                out.add(decode(resolved));
            }
        }
        for (String r : new ArrayList<>(out)) {
            if (r.indexOf(';') >= 0) {
                // A parameter only visible once decoded (%3B), or left where a dot segment was resolved.
                out.add(withoutParameters(r));
            }
        }
        return List.copyOf(out);
    }

    /**
     * No escape, backslash, parameter, empty or dot segment, and only characters a path may hold:
     * every reading of such a path is the path itself.
     */
    private static boolean plain(String path) {
        int n = path.length();
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c == '%' || c == ';' || c <= 0x20 || c >= 0x7f || NOT_IN_A_PATH.indexOf(c) >= 0) {
                return false;
            }
            if (c == '/' && i + 1 < n) {
                char next = path.charAt(i + 1);
                if (next == '/' || (next == '.' && (i + 2 == n || path.charAt(i + 2) == '/'
                        || (path.charAt(i + 2) == '.' && (i + 3 == n || path.charAt(i + 3) == '/'))))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code path} with each segment's {@code ;parameters} dropped. */
    static String withoutParameters(String path) {
        return path.replaceAll(";[^/]*", "");
    }

    /** Percent escapes decoded as UTF-8, a backslash read as a slash; null when an escape is malformed or a character is not allowed. */
    static String decode(String path) {
        if (path.indexOf('%') < 0 && path.indexOf('\\') < 0 && path.chars().allMatch(c -> c > 0x20 && c < 0x7f && NOT_IN_A_PATH.indexOf(c) < 0)) {
            return path;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                int hi = i + 2 < path.length() ? Character.digit(path.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(path.charAt(i + 2), 16);
                if (lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c <= 0x20 || c == 0x7f || NOT_IN_A_PATH.indexOf(c) >= 0) {
                return null;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8).replace('\\', '/');
    }

    /** Repeated slashes merged and dot segments resolved (RFC 3986 section 5.2.4); a path that climbs above / stays at /. */
    static String resolve(String path) {
        String[] segments = path.split("/", -1);
        List<String> kept = new ArrayList<>(segments.length);
        boolean trailingSlash = false;
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.isEmpty() || s.equals(".")) {
                trailingSlash = last;
            } else if (s.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                trailingSlash = last;
            } else {
                kept.add(s);
                trailingSlash = false;
            }
        }
        if (kept.isEmpty()) {
            return "/";
        }
        return "/" + String.join("/", kept) + (trailingSlash ? "/" : "");
    }
}
