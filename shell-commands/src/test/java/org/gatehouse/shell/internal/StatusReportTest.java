package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.core.RecentErrors;
import org.junit.jupiter.api.Test;

class StatusReportTest {

    private record Fixed(List<Entry> latest, int errors, int warnings) implements RecentErrors {
        @Override
        public int lastHour(Level level) {
            return level == Level.ERROR ? errors : warnings;
        }

        @Override
        public long total(Level level) {
            return lastHour(level);
        }
    }

    @Test
    void noErrorsIsOneLine() {
        StatusReport r = new StatusReport();
        r.lastErrors(new Fixed(List.of(), 0, 0));
        assertEquals("\nLast errors: none\n\nAll well.\n", r.toString());
    }

    @Test
    void showsTheFiveNewestWithTheLastHoursCountAndLeavesTheVerdictAlone() {
        List<RecentErrors.Entry> latest = new ArrayList<>();
        for (int i = 7; i > 0; i--) {
            latest.add(new RecentErrors.Entry(Instant.parse("2026-01-02T10:00:00Z").plusSeconds(i),
                    i % 2 == 0 ? RecentErrors.Level.WARN : RecentErrors.Level.ERROR, "StatusComponent", "problem " + i + "x".repeat(200)));
        }
        StatusReport r = new StatusReport();
        r.lastErrors(new Fixed(latest, 4, 3));
        String text = r.toString();
        assertTrue(text.startsWith("\nLast errors: 4 errors, 3 warnings in the last hour\n"), text);
        assertTrue(text.matches("(?s).*\n  \\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ERROR StatusComponent - problem 7x+\\.\\.\\.\n.*"), text);
        assertTrue(text.contains(" WARN  StatusComponent - problem 6x"), text);
        assertTrue(text.contains("problem 3x") && !text.contains("problem 2x"), text);
        assertTrue(text.contains("(older ones in data/log/gatehouse.log)"), text);
        assertTrue(text.endsWith("All well.\n"), text);
        assertEquals(5 + 3, text.lines().count() - 2, text);
    }

    @Test
    void insideKarafTheOlderOnesAreInKarafsLog() {
        // Karaf sets karaf.home and no gatehouse.home; its pax-logging writes data/log/karaf.log.
        String gatehouseHome = System.clearProperty("gatehouse.home");
        String karafHome = System.setProperty("karaf.home", "/opt/karaf");
        try {
            List<RecentErrors.Entry> latest = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                latest.add(new RecentErrors.Entry(Instant.parse("2026-01-02T10:00:00Z").plusSeconds(i), RecentErrors.Level.ERROR, "X", "problem"));
            }
            StatusReport r = new StatusReport();
            r.lastErrors(new Fixed(latest, 7, 0));
            assertTrue(r.toString().contains("(older ones in data/log/karaf.log)"), r.toString());
        } finally {
            restore("gatehouse.home", gatehouseHome);
            restore("karaf.home", karafHome);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void withoutALogReaderItSaysSo() {
        StatusReport r = new StatusReport();
        r.lastErrors(null);
        assertTrue(r.toString().contains("Last errors: unknown"), r.toString());
    }

    @Test
    void aReportedProblemEndsAllWell() {
        StatusReport r = new StatusReport();
        r.listeners(List.of());
        r.problems(List.of(() -> "no status listener is open, so metrics and the status page are not served:"
                + " etc/org.gatehouse.status.cfg: listen: cannot open 127.0.0.1:8101 (Address already in use)"));
        r.lastErrors(new Fixed(List.of(), 0, 0));
        assertEquals("\nListeners\n  none\n\nLast errors: none\n\nProblems\n  - no status listener is open, so metrics and the status page"
                + " are not served: etc/org.gatehouse.status.cfg: listen: cannot open 127.0.0.1:8101 (Address already in use)\n", r.toString());
    }
}
