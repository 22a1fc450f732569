package org.gatehouse.core.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.gatehouse.core.RecentErrors;

/**
 * The last {@link RecentErrors#CAPACITY} problems and per-minute counts over the last hour. Called on
 * whatever thread logs, so each call is a few array writes under one short lock, and a flood of
 * errors costs no memory beyond the ring.
 */
final class ErrorRing implements RecentErrors {

    static final int MAX_MESSAGE = 200;
    private static final long MINUTE = TimeUnit.MINUTES.toMillis(1);

    private final LongSupplier clock;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>(CAPACITY);
    private final long[][] perMinute = new long[Level.values().length][60];
    private final long[][] minuteOf = new long[Level.values().length][60];
    private final long[] totals = new long[Level.values().length];

    ErrorRing(LongSupplier clock) {
        this.clock = clock;
    }

    synchronized void add(long timeMillis, Level level, String source, String message) {
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(new Entry(Instant.ofEpochMilli(timeMillis), level, source, message));
        int l = level.ordinal();
        totals[l]++;
        long minute = Math.floorDiv(timeMillis, MINUTE);
        int slot = (int) Math.floorMod(minute, 60L);
        if (minuteOf[l][slot] != minute) {
            minuteOf[l][slot] = minute;
            perMinute[l][slot] = 0;
        }
        perMinute[l][slot]++;
    }

    @Override
    public synchronized List<Entry> latest() {
        List<Entry> out = new ArrayList<>(entries.size());
        for (Iterator<Entry> i = entries.descendingIterator(); i.hasNext(); ) {
            out.add(i.next());
        }
        return out;
    }

    @Override
    public synchronized int lastHour(Level level) {
        long now = Math.floorDiv(clock.getAsLong(), MINUTE);
        int l = level.ordinal();
        long n = 0;
        for (int slot = 0; slot < 60; slot++) {
            long age = now - minuteOf[l][slot];
            if (age >= 0 && age < 60) {
                n += perMinute[l][slot];
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    @Override
    public synchronized long total(Level level) {
        return totals[level.ordinal()];
    }

    /** The first line of {@code message} (or of the exception when there is none), at most {@link #MAX_MESSAGE} characters. */
    static String firstLine(String message, Throwable exception) {
        String m = message == null || message.isBlank() ? (exception == null ? "" : exception.toString()) : message;
        int end = m.length();
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c == '\n' || c == '\r') {
                end = i;
                break;
            }
        }
        String line = m.substring(0, end).strip();
        return line.length() <= MAX_MESSAGE ? line : line.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** What the console's {@code %c{1}} shows: the logger name after its last dot. */
    static String shortName(String loggerName) {
        if (loggerName == null || loggerName.isEmpty()) {
            return "?";
        }
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 || dot == loggerName.length() - 1 ? loggerName : loggerName.substring(dot + 1);
    }
}
