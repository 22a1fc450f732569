package org.gatehouse.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.core.RecentErrors;
import org.gatehouse.core.RecentErrors.Entry;
import org.gatehouse.core.RecentErrors.Level;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

class RecentErrorsComponentTest {

    private static final long NOW = 1_700_000_000_000L;

    @Test
    void keepsGatehouseWarningsAndEveryErrorNewestFirst() {
        RecentErrorsComponent c = new RecentErrorsComponent();
        c.logged(entry(NOW, LogLevel.INFO, "org.gatehouse.tls.internal.TlsComponent", "TLS: https listening", null));
        c.logged(entry(NOW + 1, LogLevel.WARN, "io.netty.util.ResourceLeakDetector", "someone else's warning", null));
        c.logged(entry(NOW + 2, LogLevel.WARN, "org.gatehouse.auth.ldap", "LDAP: no directory server answered", null));
        c.logged(entry(NOW + 3, LogLevel.ERROR, "org.gatehouse.status.internal.StatusComponent",
                "etc/org.gatehouse.status.cfg: listen = 'x' is invalid\nsecond line", null));
        c.logged(entry(NOW + 4, LogLevel.ERROR, "io.netty.channel.DefaultChannelPipeline", "", new IllegalStateException("boom")));

        List<Entry> latest = c.latest();
        assertEquals(3, latest.size(), latest.toString());
        assertEquals(new Entry(java.time.Instant.ofEpochMilli(NOW + 4), Level.ERROR, "DefaultChannelPipeline",
                "java.lang.IllegalStateException: boom"), latest.get(0));
        assertEquals("StatusComponent", latest.get(1).source());
        assertEquals("etc/org.gatehouse.status.cfg: listen = 'x' is invalid", latest.get(1).message());
        assertEquals(new Entry(java.time.Instant.ofEpochMilli(NOW + 2), Level.WARN, "ldap", "LDAP: no directory server answered"),
                latest.get(2));
        assertEquals(2, c.total(Level.ERROR));
        assertEquals(1, c.total(Level.WARN));
    }

    @Test
    void aFrameworkErrorNamesTheBundleAndWhatWentWrong() {
        RecentErrorsComponent c = new RecentErrorsComponent();
        LogEntry e = entry(NOW, LogLevel.ERROR, "Events.Framework", "FrameworkEvent ERROR",
                new IllegalArgumentException("Unable to resolve x [12](R 12.0): missing requirement"));
        c.logged(e);
        assertEquals("framework org.example.bad", c.latest().get(0).source());
        assertEquals("Unable to resolve x [12](R 12.0): missing requirement", c.latest().get(0).message());
    }

    @Test
    void fileInstallWarningsCountWithTheReasonFromTheirException() {
        RecentErrorsComponent c = new RecentErrorsComponent();
        c.logged(entry(NOW, LogLevel.WARN, "org.apache.felix.fileinstall", "Error while starting bundle: file:/srv/gatehouse/deploy/bad.jar",
                new IllegalStateException("Unable to resolve bad.example [40](R 40.0): missing requirement\n more")));
        assertEquals(new Entry(java.time.Instant.ofEpochMilli(NOW), Level.WARN, "fileinstall",
                "Error while starting bundle: file:/srv/gatehouse/deploy/bad.jar: Unable to resolve bad.example [40](R 40.0): missing requirement"),
                c.latest().get(0));
    }

    @Test
    void aFloodKeepsOnlyTheLastEntriesAndLongMessagesAreCut() {
        RecentErrorsComponent c = new RecentErrorsComponent();
        for (int i = 0; i < 1000; i++) {
            c.logged(entry(NOW + i, LogLevel.ERROR, "org.gatehouse.x.Y", "error " + i + " " + "x".repeat(i % 2 == 0 ? 0 : 500), null));
        }
        assertEquals(RecentErrors.CAPACITY, c.latest().size());
        assertTrue(c.latest().get(0).message().startsWith("error 999 xxx"));
        assertEquals(ErrorRing.MAX_MESSAGE, c.latest().get(0).message().length());
        assertTrue(c.latest().get(0).message().endsWith("..."));
        assertEquals(1000, c.total(Level.ERROR));
    }

    @Test
    void countsTheLastHourToTheMinute() {
        AtomicLong clock = new AtomicLong(NOW);
        ErrorRing ring = new ErrorRing(clock::get);
        long hour = TimeUnit.HOURS.toMillis(1);
        ring.add(NOW - 2 * hour, Level.ERROR, "a", "two hours ago");
        ring.add(NOW - hour + TimeUnit.MINUTES.toMillis(2), Level.ERROR, "a", "58 minutes ago");
        ring.add(NOW - 1000, Level.ERROR, "a", "a second ago");
        ring.add(NOW - 1000, Level.WARN, "a", "a warning");
        assertEquals(2, ring.lastHour(Level.ERROR));
        assertEquals(1, ring.lastHour(Level.WARN));
        clock.addAndGet(TimeUnit.MINUTES.toMillis(5));
        assertEquals(1, ring.lastHour(Level.ERROR), "the 58-minute-old one is now over an hour old");
        clock.addAndGet(hour);
        assertEquals(0, ring.lastHour(Level.ERROR));
        assertEquals(3, ring.total(Level.ERROR));
    }

    @Test
    void readsTheReadersHistoryOldestFirstThenListens() {
        List<LogEntry> history = new ArrayList<>();
        history.add(entry(NOW + 2, LogLevel.ERROR, "org.gatehouse.b.B", "second", null));
        history.add(entry(NOW + 1, LogLevel.ERROR, "org.gatehouse.a.A", "first", null));
        List<LogListener> listeners = new ArrayList<>();
        LogReaderService reader = new LogReaderService() {
            @Override
            public void addLogListener(LogListener l) {
                listeners.add(l);
            }

            @Override
            public void removeLogListener(LogListener l) {
                listeners.remove(l);
            }

            @Override
            public Enumeration<LogEntry> getLog() {
                return Collections.enumeration(history);
            }
        };
        RecentErrorsComponent c = new RecentErrorsComponent();
        c.bindReader(reader);
        assertEquals(List.of("second", "first"), c.latest().stream().map(Entry::message).toList());
        assertEquals(1, listeners.size());
        listeners.get(0).logged(entry(NOW + 3, LogLevel.ERROR, "org.gatehouse.c.C", "third", null));
        assertEquals("third", c.latest().get(0).message());
        c.unbindReader(reader);
        assertTrue(listeners.isEmpty());
    }

    private static LogEntry entry(long time, LogLevel level, String logger, String message, Throwable e) {
        return new LogEntry() {
            @Override
            public Bundle getBundle() {
                return logger.startsWith("Events.") ? bundle("org.example.bad") : null;
            }

            @Override
            public ServiceReference<?> getServiceReference() {
                return null;
            }

            @Override
            @SuppressWarnings("deprecation")
            public int getLevel() {
                return level.ordinal();
            }

            @Override
            public String getMessage() {
                return message;
            }

            @Override
            public Throwable getException() {
                return e;
            }

            @Override
            public long getTime() {
                return time;
            }

            @Override
            public LogLevel getLogLevel() {
                return level;
            }

            @Override
            public String getLoggerName() {
                return logger;
            }

            @Override
            public long getSequence() {
                return 0;
            }

            @Override
            public String getThreadInfo() {
                return "test";
            }

            @Override
            public StackTraceElement getLocation() {
                return null;
            }
        };
    }

    private static Bundle bundle(String symbolicName) {
        return (Bundle) java.lang.reflect.Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getSymbolicName") ? symbolicName : null);
    }
}
