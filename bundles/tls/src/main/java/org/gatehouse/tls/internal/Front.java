package org.gatehouse.tls.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.gatehouse.tls.http.HttpFilter;
import org.gatehouse.tls.http.HttpRoute;

/**
 * What every connection consults, replaced whole when a setting, route or filter changes: the
 * settings, the routes by prefix (longest first) and the filters in ranking order.
 */
record Front(FrontSettings settings, List<Mount> routes, List<HttpFilter> filters, AccessLog accessLog) {

    /** A route at one prefix; of two at the same prefix, the higher ranking is asked first. */
    record Mount(String prefix, HttpRoute route, long maxBody, int ranking) {
    }

    /** A filter and its ranking. */
    record Ranked(HttpFilter filter, int ranking, long id) {
    }

    static List<Mount> sortRoutes(List<Mount> mounts) {
        List<Mount> sorted = new ArrayList<>(mounts);
        sorted.sort(Comparator.comparingInt((Mount m) -> m.prefix().length()).reversed()
                .thenComparing(Comparator.comparingInt(Mount::ranking).reversed()));
        return List.copyOf(sorted);
    }

    static List<HttpFilter> sortFilters(List<Ranked> filters) {
        List<Ranked> sorted = new ArrayList<>(filters);
        // Highest ranking first; equal rankings: the older service (lower id) first, as OSGi orders them.
        sorted.sort(Comparator.comparingInt(Ranked::ranking).reversed().thenComparingLong(Ranked::id));
        List<HttpFilter> out = new ArrayList<>();
        sorted.forEach(r -> out.add(r.filter()));
        return List.copyOf(out);
    }

    Mount route(String path) {
        return next(path, null);
    }

    /** The route after {@code passed} (which did not serve the path) that serves it, or null. */
    Mount next(String path, Mount passed) {
        boolean after = passed == null;
        for (Mount m : routes) {
            if (!after) {
                after = m == passed;
                continue;
            }
            if (path.startsWith(m.prefix())) {
                return m;
            }
        }
        return null;
    }
}
