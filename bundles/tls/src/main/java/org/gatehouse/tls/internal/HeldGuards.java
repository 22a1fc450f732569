package org.gatehouse.tls.internal;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.AtomicFiles;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;

/**
 * Guards held in place of filters that went away while guarding ({@link HttpFilter#GUARDED_PATHS}),
 * by filter name: their paths are answered 503 until a filter of that name is back. Stated under
 * Problems, and kept in a file so that a refresh of this bundle or a restart while one is held does
 * not serve its paths without it. Used under the front door component's lock.
 */
final class HeldGuards {

    /** In place of a guarding filter that went away: 503 on its paths. */
    record Guard(String name, List<String> paths, long bundleId, String bundleName) implements HttpFilter {
        @Override
        public boolean beforeRoute(HttpExchange exchange) {
            if (guards(exchange.path())) {
                exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                        "authentication (" + name + ") is not available; try again later\n");
                return false;
            }
            return true;
        }

        /**
         * Case-insensitive (a node that ignores case serves /API/ as /api/), as the filters compare; a
         * path a node might read otherwise than it is written (escapes, dot segments, path
         * parameters, doubled slashes) counts as guarded: the filter that read it as the node would
         * is not there.
         */
        boolean guards(String path) {
            if (path.contains("%") || path.contains(";") || path.contains("/.") || path.contains("//") || path.contains("\\")) {
                return true;
            }
            for (String p : paths) {
                if (path.regionMatches(true, 0, p, 0, p.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Map<String, Front.Ranked> held = new LinkedHashMap<>();
    private final Path file;
    private ProblemSlot problem = new ProblemSlot(null);

    HeldGuards(Path file) {
        this.file = file;
    }

    /** As ranked filters, to be asked beside the bound ones. */
    List<Front.Ranked> ranked() {
        return List.copyOf(held.values());
    }

    /**
     * The guards held before (the component started again), each while {@code bundleOf} finds its
     * filter's bundle there and meant to run (an id, or -1) and {@code back} does not say it is back.
     */
    void restore(ProblemSlot problem, Predicate<String> back, ToLongFunction<String> bundleOf) {
        this.problem = problem;
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException | RuntimeException e) {
            TlsComponentLog.LOG.warn("TLS: cannot read the held guards: {}", e.toString());
            lines = List.of();
        }
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length < 4 || !f[2].matches("-?\\d{1,10}") || back.test(f[0])) {
                continue;
            }
            long bundleId = bundleOf.applyAsLong(f[1]);
            if (bundleId == Long.MIN_VALUE) {
                continue;
            }
            List<String> paths = List.of(f).subList(3, f.length);
            held.put(f[0], new Front.Ranked(new Guard(f[0], paths, bundleId, f[1]), Integer.parseInt(f[2]), Long.MAX_VALUE));
            TlsComponentLog.LOG.warn("TLS: HTTP filter {} is still away: {} answered 503 until it is back", f[0], String.join(", ", paths));
        }
        changed();
    }

    void hold(String name, List<String> paths, int ranking, long bundleId, String bundleName) {
        held.put(name, new Front.Ranked(new Guard(name, paths, bundleId, bundleName), ranking, Long.MAX_VALUE));
        TlsComponentLog.LOG.warn("TLS: HTTP filter {} stopped while guarding {}: those paths are answered 503 until it is back",
                name, String.join(", ", paths));
        changed();
    }

    /** A filter of that name is back; whether a guard was held for it. */
    boolean back(String name) {
        if (held.remove(name) == null) {
            return false;
        }
        TlsComponentLog.LOG.info("TLS: HTTP filter {} is back: the paths it guards are its own again", name);
        changed();
        return true;
    }

    /** The bundle was uninstalled: the guards of its filters end (they are not coming back); whether any did. */
    boolean uninstalled(long bundleId) {
        if (!held.values().removeIf(r -> ((Guard) r.filter()).bundleId() == bundleId)) {
            return false;
        }
        TlsComponentLog.LOG.warn("TLS: bundle {} was uninstalled: the paths its HTTP filter guarded are served without it", bundleId);
        changed();
        return true;
    }

    /** The component stops: its Problem goes (the file stays, for its next start). */
    void stop() {
        problem.clear();
    }

    /** The lines under Problems, for tests. */
    List<String> lines() {
        return problem.lines();
    }

    private void changed() {
        List<String> lines = new ArrayList<>();
        List<String> saved = new ArrayList<>();
        held.forEach((name, r) -> {
            Guard g = (Guard) r.filter();
            lines.add("HTTP filter " + name + " stopped while guarding " + String.join(", ", g.paths())
                    + ": those paths are answered 503 until it is back");
            // By the bundle's name: ids are given afresh when the framework's cache is rebuilt (every start).
            saved.add(name + "\t" + g.bundleName() + "\t" + r.ranking() + "\t" + String.join("\t", g.paths()));
        });
        problem.set(lines);
        try {
            if (saved.isEmpty()) {
                Files.deleteIfExists(file);
            } else {
                Files.createDirectories(file.getParent());
                AtomicFiles.write(file, (String.join("\n", saved) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            TlsComponentLog.LOG.warn("TLS: cannot keep the held guards in {}: {}", file, e.toString());
        }
    }
}
