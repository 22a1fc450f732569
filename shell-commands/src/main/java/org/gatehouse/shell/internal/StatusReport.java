package org.gatehouse.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.Problem;
import org.gatehouse.core.RecentErrors;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;

/** Formats {@code gatehouse:status}; kept apart from the OSGi lookups so the layout can be tested alone. */
final class StatusReport {

    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** Problems shown; the rest are in the log file ({@link InstallationPaths#logFile()}). */
    static final int LAST_ERRORS_SHOWN = 5;
    static final int LAST_ERROR_WIDTH = 110;
    /** The zone of the log files' time stamps, so a line can be found there. */
    private static final DateTimeFormatter LOGGED = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final StringBuilder out = new StringBuilder();
    private final StringBuilder problems = new StringBuilder();

    void header(String version, Instant started, Duration uptime) {
        out.append("Gatehouse ").append(version).append('\n');
        line("Up", uptime(uptime) + " (since " + STARTED.format(started) + ")");
    }

    void io(EventLoops loops) {
        if (loops == null) {
            line("I/O", "event loops not running (bundle org.gatehouse.core)");
            problem("the core bundle's event loops are not running");
            return;
        }
        String transport = loops.transport().name().toLowerCase(Locale.ROOT);
        String text = loops.threads() + " " + transport + " event loop" + (loops.threads() == 1 ? "" : "s");
        if (!loops.nativeUnavailableReason().isEmpty()) {
            text += " (" + loops.nativeUnavailableReason() + ")"; // only on NIO
        }
        line("I/O", text);
    }

    void managementNetworks(AddressSet networks) {
        line("Management", networks == null ? "unknown" : networks.isEmpty() ? "none" : networks.toString());
    }

    void bundles(List<Bundle> ours, List<Bundle> others) {
        bundles(ours, others, null);
    }

    /** With {@code wiring} (the framework's; null: unknown), an installed bundle's Problem says which packages it misses. */
    void bundles(List<Bundle> ours, List<Bundle> others, FrameworkWiring wiring) {
        out.append("\nBundles\n");
        out.append(String.format("  %4s  %-10s %-22s %s%n", "ID", "State", "Version", "Name"));
        ours.sort(Comparator.comparing(Bundle::getSymbolicName));
        for (Bundle b : ours) {
            String state = stateName(b);
            out.append(String.format("  %4d  %-10s %-22s %s%n", b.getBundleId(), state, b.getVersion(), b.getSymbolicName()));
            if (!isRunning(b)) {
                problem(b.getSymbolicName() + " is " + state.toLowerCase(Locale.ROOT) + Unresolved.why(b, wiring));
            }
        }
        List<Bundle> stuck = others.stream().filter(b -> b.getBundleId() != 0 && !isRunning(b)).collect(Collectors.toList());
        long running = others.stream().filter(StatusReport::isRunning).count();
        out.append(String.format("  + %d supporting bundles active%s%n", running,
                stuck.isEmpty() ? "" : ", " + stuck.size() + " not"));
        for (Bundle b : stuck) {
            out.append(String.format("  %4d  %-10s %-22s %s%n", b.getBundleId(), stateName(b), b.getVersion(), b.getSymbolicName()));
            problem(b.getSymbolicName() + " is " + stateName(b).toLowerCase(Locale.ROOT) + Unresolved.why(b, wiring));
        }
    }

    void components(List<ComponentRow> rows) {
        out.append("\nComponents\n");
        if (rows == null) {
            out.append("  unknown (Declarative Services runtime not running)\n");
            problem("the Declarative Services runtime is not running");
            return;
        }
        rows.sort(Comparator.comparing(ComponentRow::name));
        for (ComponentRow r : rows) {
            String state = r.states().isEmpty() ? "no configuration" : String.join(", ", r.states());
            out.append(String.format("  %-10s %s%n", r.healthy() ? "ok" : "PROBLEM", shortName(r.name()) + ": " + state));
            if (!r.healthy()) {
                problem("component " + r.name() + " is " + state);
            }
        }
    }

    /** One block per installed feature that reports itself (TLS certificate, TURN, ...). */
    void sections(List<StatusSection> sections) {
        if (sections == null || sections.isEmpty()) {
            return;
        }
        List<StatusSection> sorted = new java.util.ArrayList<>(sections);
        sorted.sort(Comparator.comparing(StatusSection::title));
        for (StatusSection s : sorted) {
            out.append('\n').append(s.title()).append('\n');
            StatusSection.Report r;
            try {
                r = s.report();
            } catch (RuntimeException e) {
                out.append("  unavailable: ").append(e).append('\n');
                problem(s.title() + ": " + e);
                continue;
            }
            r.lines().forEach(l -> out.append("  ").append(l).append('\n'));
            r.problems().forEach(this::problem);
        }
    }

    void listeners(List<Listener> listeners) {
        out.append("\nListeners\n");
        if (listeners.isEmpty()) {
            out.append("  none\n");
            return;
        }
        listeners.stream()
                .sorted(Comparator.comparing(Listener::name).thenComparing(l -> l.address().getPort()))
                .forEach(l -> out.append(String.format("  %-16s %-4s %s%n", l.name(), l.protocol(),
                        IpAddresses.format(l.address()))));
    }

    /** Problems in force that bundles report as services: listed under Problems while they last. */
    void problems(List<Problem> reported) {
        if (reported == null) {
            return;
        }
        for (Problem p : reported) {
            try {
                problem(p.text());
            } catch (RuntimeException e) {
                problem("a reported problem cannot be read: " + e);
            }
        }
    }

    /**
     * The last problems logged, newest first, with the last hour's count: history, not state, so they
     * are not added to the "Problems" list (a fixed configuration error would stay there an hour).
     */
    void lastErrors(RecentErrors recent) {
        out.append('\n');
        if (recent == null) {
            out.append("Last errors: unknown (no OSGi log reader service: is pax-logging running?)\n");
            return;
        }
        List<RecentErrors.Entry> latest = recent.latest();
        if (latest.isEmpty()) {
            out.append("Last errors: none\n");
            return;
        }
        int errors = recent.lastHour(RecentErrors.Level.ERROR);
        int warnings = recent.lastHour(RecentErrors.Level.WARN);
        out.append("Last errors: ").append(errors == 0 && warnings == 0 ? "none in the last hour"
                : plural(errors, "error") + ", " + plural(warnings, "warning") + " in the last hour").append('\n');
        for (RecentErrors.Entry e : latest.subList(0, Math.min(LAST_ERRORS_SHOWN, latest.size()))) {
            String text = e.message();
            if (text.length() > LAST_ERROR_WIDTH) {
                text = text.substring(0, LAST_ERROR_WIDTH - 3) + "...";
            }
            out.append(String.format("  %s %-5s %s - %s%n", LOGGED.format(e.time()), e.level(), e.source(), text));
        }
        if (latest.size() > LAST_ERRORS_SHOWN) {
            out.append("  (older ones in ").append(InstallationPaths.logFile()).append(")\n");
        }
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private static String shortName(String componentName) {
        return componentName.startsWith("org.gatehouse.") ? componentName.substring("org.gatehouse.".length()) : componentName;
    }

    private static boolean isRunning(Bundle b) {
        if (b.getState() == Bundle.ACTIVE) {
            return true;
        }
        // Fragments never become active; resolved means attached.
        return b.getState() == Bundle.RESOLVED && b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
    }

    private static String stateName(Bundle b) {
        switch (b.getState()) {
            case Bundle.ACTIVE: return "Active";
            case Bundle.RESOLVED: return b.getHeaders().get(Constants.FRAGMENT_HOST) != null ? "Fragment" : "Resolved";
            case Bundle.INSTALLED: return "Installed";
            case Bundle.STARTING: return "Starting";
            case Bundle.STOPPING: return "Stopping";
            default: return "Uninstalled";
        }
    }

    static String uptime(Duration d) {
        long days = d.toDays();
        return (days > 0 ? days + "d " : "") + String.format("%d:%02d:%02d", d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart());
    }

    private void line(String label, String value) {
        out.append(String.format("%-12s %s%n", label, value));
    }

    private void problem(String text) {
        problems.append("  - ").append(text).append('\n');
    }

    @Override
    public String toString() {
        return out + (problems.length() == 0 ? "\nAll well.\n" : "\nProblems\n" + problems);
    }
}
