package org.gatehouse.status.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gatehouse.core.RecentErrors;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The warnings and errors logged last, as {@code gatehouse:status} shows them, and their counts. */
@Component(name = "org.gatehouse.status.log", service = {MetricsSource.class, PageSection.class})
public final class LogStatus implements MetricsSource, PageSection {

    /** The zone of the log files' time stamps, so a line can be found there. */
    private static final DateTimeFormatter LOGGED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
    static final int SHOWN = 10;

    private final RecentErrors recent;

    @Activate
    public LogStatus(@Reference RecentErrors recent) {
        this.recent = recent;
    }

    @Override
    public void collect(Metrics m) {
        for (RecentErrors.Level level : RecentErrors.Level.values()) {
            m.counter("gatehouse_log_events_total", "Warnings of Gatehouse, FileInstall and the framework, and errors of any bundle, logged since start.",
                    recent.total(level), "level", level.name().toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public int order() {
        return 90;
    }

    @Override
    public void render(Html page) {
        page.heading("Last errors");
        List<RecentErrors.Entry> latest = recent.latest();
        if (latest.isEmpty()) {
            page.paragraph("None logged since start.");
            return;
        }
        int errors = recent.lastHour(RecentErrors.Level.ERROR);
        int warnings = recent.lastHour(RecentErrors.Level.WARN);
        String summary = errors + " error" + (errors == 1 ? "" : "s") + ", " + warnings + " warning" + (warnings == 1 ? "" : "s")
                + " in the last hour; older and fuller lines in " + InstallationPaths.logFile() + ".";
        if (errors > 0) {
            page.problem(summary);
        } else {
            page.paragraph(summary);
        }
        List<List<String>> rows = new ArrayList<>();
        for (RecentErrors.Entry e : latest.subList(0, Math.min(SHOWN, latest.size()))) {
            rows.add(List.of(LOGGED.format(e.time()), e.level().name(), e.source(), e.message()));
        }
        page.table(List.of("Time", "Level", "Source", "Message"), rows);
    }
}
