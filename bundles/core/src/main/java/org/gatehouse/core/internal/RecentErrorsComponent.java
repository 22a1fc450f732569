package org.gatehouse.core.internal;

import java.util.Collections;
import java.util.List;
import org.gatehouse.core.RecentErrors;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Listens to the OSGi log (pax-logging forwards every SLF4J event that passes its logger's level to
 * the {@link LogReaderService}'s listeners, and logs framework errors as {@code Events.Framework}) and
 * keeps the problems worth an operator's look: WARN and ERROR of Gatehouse, of the framework and of
 * FileInstall (a file in etc/ or deploy/ it cannot use), ERROR of anything else.
 * Without a log reader the service is not registered and status output says so.
 */
@Component(name = "org.gatehouse.core.recent-errors", immediate = true, service = RecentErrors.class)
public final class RecentErrorsComponent implements RecentErrors, LogListener {

    static final String GATEHOUSE = "org.gatehouse.";
    /** The logger names pax-logging gives framework, bundle and service events. */
    static final String FRAMEWORK_EVENTS = "Events.";
    /** FileInstall warns about what it cannot do with a file in etc/ or deploy/: an operator's problem too. */
    static final String FILEINSTALL = "org.apache.felix.fileinstall";

    private final ErrorRing ring = new ErrorRing(System::currentTimeMillis);

    /**
     * Called synchronously by pax-logging on the logging thread: must not log (it would come back
     * here) and must not wait for anything.
     */
    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        if (level != LogLevel.ERROR && level != LogLevel.WARN) {
            return;
        }
        String logger = entry.getLoggerName();
        Bundle bundle = entry.getBundle();
        String bsn = bundle == null ? null : bundle.getSymbolicName();
        boolean framework = logger != null && logger.startsWith(FRAMEWORK_EVENTS);
        if (level == LogLevel.WARN && !framework && !startsWith(logger, GATEHOUSE) && !startsWith(bsn, GATEHOUSE)
                && !startsWith(logger, FILEINSTALL)) {
            return;
        }
        String source = framework ? "framework" + (bsn == null ? "" : " " + bsn) : ErrorRing.shortName(logger == null ? bsn : logger);
        Throwable e = entry.getException();
        String message;
        if (framework && e != null) {
            // A framework event's message is only "FrameworkEvent ERROR": what happened is in its exception.
            message = ErrorRing.firstLine(e.getMessage(), e);
        } else if (e != null && entry.getMessage() != null && !entry.getMessage().isBlank()) {
            // "Error while starting bundle: file:deploy/x.jar" says where; the exception says why.
            message = ErrorRing.firstLine(ErrorRing.firstLine(entry.getMessage(), null) + ": " + ErrorRing.firstLine(e.getMessage(), e), null);
        } else {
            message = ErrorRing.firstLine(entry.getMessage(), e);
        }
        ring.add(entry.getTime(), level == LogLevel.ERROR ? Level.ERROR : Level.WARN, source, message);
    }

    /**
     * What was logged before this component started comes from the reader's history (pax-logging
     * keeps the last 100 entries), oldest first; then the listener takes over. Nothing is held while
     * asking the reader, which fires listeners under its own lock.
     */
    @Reference(cardinality = ReferenceCardinality.AT_LEAST_ONE, policy = ReferencePolicy.DYNAMIC)
    void bindReader(LogReaderService reader) {
        List<LogEntry> earlier = Collections.list(reader.getLog());
        for (int i = earlier.size() - 1; i >= 0; i--) {
            logged(earlier.get(i));
        }
        reader.addLogListener(this);
    }

    void unbindReader(LogReaderService reader) {
        reader.removeLogListener(this);
    }

    private static boolean startsWith(String name, String prefix) {
        return name != null && name.startsWith(prefix);
    }

    @Override
    public List<Entry> latest() {
        return ring.latest();
    }

    @Override
    public int lastHour(Level level) {
        return ring.lastHour(level);
    }

    @Override
    public long total(Level level) {
        return ring.total(level);
    }
}
