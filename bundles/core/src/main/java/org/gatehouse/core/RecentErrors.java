package org.gatehouse.core;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The warnings and errors the server logged last, for {@code gatehouse:status}, the status page and
 * the metrics: every WARN and ERROR of the Gatehouse bundles, and every ERROR of any other bundle or of
 * the framework, as they reach the OSGi log (pax-logging's {@code LogReaderService}). Kept in memory
 * only: a restart begins with none.
 */
@ProviderType
public interface RecentErrors {

    /** Entries kept; older ones are dropped. */
    int CAPACITY = 20;

    enum Level { ERROR, WARN }

    /**
     * One logged problem, as the console shows it: when, how bad, who said it (the logger's short
     * name, or {@code framework <bundle>} for an OSGi framework event) and the first line of what.
     */
    record Entry(Instant time, Level level, String source, String message) {
    }

    /** The latest entries, newest first, at most {@link #CAPACITY}. */
    List<Entry> latest();

    /** Entries of {@code level} logged within the last hour (to the minute). */
    int lastHour(Level level);

    /** Entries of {@code level} logged since the server started (as far as the log reader's history reaches). */
    long total(Level level);
}
