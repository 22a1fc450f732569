package org.gatehouse.tls.internal;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * The access log in nginx's "combined" format plus the upstream node and the time taken, written by
 * one background thread so that no I/O thread ever waits for the disk. Secrets in the query string
 * of the request target and of the Referer (conference PINs and tokens: {@code pin}, {@code token},
 * {@code code}, {@code state}, {@code data}) are written as {@code [FILTERED]}, whatever the letter
 * case or percent-encoding of their names and whether {@code &} or {@code ;} separates them, as
 * servers read them. When the queue is full (a disk far slower than the traffic), lines are dropped
 * and counted rather than slowing clients.
 */
final class AccessLog implements AutoCloseable {

    private static final Logger LOG = TlsComponentLog.LOG;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final Set<String> SECRETS = Set.of("pin", "token", "code", "state", "data");

    /** One line's fields; formatted on the writer thread, not on the I/O thread that served the request. */
    private record Entry(String client, String user, long epochMillis, String method, String target, String version, int status,
            long bytes, String referer, String userAgent, String upstream, long micros) {
    }

    /** Lines reach the file at most this late while traffic flows (nginx's buffer= flush= idea, much shorter). */
    private static final long BATCH_MILLIS = 50;
    private static final int QUIET_POLLS = 20;

    private static final Entry STOP_ENTRY = new Entry("", null, 0, "", "", "", 0, 0, null, null, null, 0);

    /** How often the writer looks whether the file was moved away, and reports lines dropped. */
    private static final long CHECK_NANOS = 1_000_000_000L;
    private static final long REPORT_NANOS = 60_000_000_000L;

    private final Path file;
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(65_536);
    private final Thread writer;
    private final LongAdder dropped = new LongAdder();
    private final long retryNanos;
    // The writer thread's own:
    private BufferedWriter out;
    private Object openedKey;
    /** Lines given to the file's buffer since it was last flushed: lost with it when the flush fails. */
    private int unflushed;
    /** When the file last failed to be opened or written (0: it did not, or is written again since). */
    private long failedAt;
    private long droppedReported;
    private long reportedAt = System.nanoTime() - REPORT_NANOS;

    AccessLog(Path file) {
        this(file, 60);
    }

    /** {@code retrySeconds}: how long after a failure to open or write the file it is tried again. */
    AccessLog(Path file, int retrySeconds) {
        this.file = file;
        this.retryNanos = TimeUnit.SECONDS.toNanos(retrySeconds);
        this.writer = new Thread(this::run, "gatehouse-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    Path file() {
        return file;
    }

    /** {@code target} (a request target or a URL) with the values of its secret query parameters replaced. */
    static String filter(String target) {
        int query = target.indexOf('?');
        if (query < 0 || target.indexOf('=', query) < 0) {
            return target;
        }
        int n = target.length();
        StringBuilder out = null;
        int copied = 0;
        int i = query + 1;
        while (i < n) {
            int end = i;
            while (end < n && target.charAt(end) != '&' && target.charAt(end) != ';' && target.charAt(end) != '#') {
                end++;
            }
            int eq = i;
            while (eq < end && target.charAt(eq) != '=') {
                eq++;
            }
            if (eq < end && isSecret(target, i, eq)) {
                if (out == null) {
                    out = new StringBuilder(n + 16);
                }
                out.append(target, copied, eq + 1).append("[FILTERED]");
                copied = end;
            }
            if (end >= n || target.charAt(end) == '#') {
                break;
            }
            i = end + 1;
        }
        return out == null ? target : out.append(target, copied, n).toString();
    }

    /** Whether {@code s[from, to)}, percent-decoded and in lower case, names a secret parameter. */
    private static boolean isSecret(String s, int from, int to) {
        StringBuilder name = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < to) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    c = (char) (hi * 16 + lo);
                    i += 2;
                }
            }
            if (name.length() == 5) {
                return false;
            }
            name.append(Character.toLowerCase(c));
        }
        return SECRETS.contains(name.toString());
    }

    void log(String client, String user, String method, String target, String version, int status, long bytes, String referer,
            String userAgent, String upstream, long micros) {
        if (closed || !queue.offer(new Entry(client, user, System.currentTimeMillis(), method, target, version, status, bytes, referer,
                userAgent, upstream, micros))) {
            dropped.increment();
        }
    }

    /** Closed: a line logged now would wait in a queue no one reads; counted as dropped. */
    private volatile boolean closed;

    private long formattedSecond = Long.MIN_VALUE;
    private String formattedTime;

    /**
     * The line, built by hand: String.format parsed its pattern and boxed every argument per line,
     * and the time was formatted per line though it changes once a second. Writer thread only.
     */
    private String format(Entry e) {
        long second = Math.floorDiv(e.epochMillis(), 1000);
        if (second != formattedSecond) {
            formattedTime = TIME.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), java.time.ZoneId.systemDefault()));
            formattedSecond = second;
        }
        // %.3f of the seconds, rounded half up as Formatter does.
        long millis = (e.micros() + 500) / 1000;
        StringBuilder b = new StringBuilder(160).append(e.client()).append(" - ").append(e.user() == null ? "-" : e.user())
                .append(" [").append(formattedTime).append("] \"").append(e.method()).append(' ').append(escape(filter(e.target())))
                .append(' ').append(e.version()).append("\" ").append(e.status()).append(' ').append(e.bytes()).append(" \"")
                .append(escape(e.referer() == null ? "-" : filter(e.referer()))).append("\" \"")
                .append(escape(e.userAgent() == null ? "-" : e.userAgent())).append("\" ").append(e.upstream() == null ? "-" : e.upstream())
                .append(' ').append(millis / 1000).append('.');
        long frac = millis % 1000;
        if (frac < 100) {
            b.append(frac < 10 ? "00" : "0");
        }
        return b.append(frac).toString();
    }

    private static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
                if (sb == null) {
                    sb = new StringBuilder(s.substring(0, i));
                }
                sb.append(String.format("\\x%02X", (int) c & 0xff));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private void run() {
        int emptyPolls = 0;
        long checked = System.nanoTime();
        try {
            while (true) {
                Entry entry = queue.poll();
                if (entry == null) {
                    flush();
                    // While traffic flows the writer naps between batches instead of waiting on the
                    // queue: an I/O thread adding a line to a queue someone waits on wakes that thread
                    // (a futex call and a context switch per request). Quiet for a second, it waits.
                    if (++emptyPolls <= QUIET_POLLS) {
                        Thread.sleep(BATCH_MILLIS);
                        continue;
                    }
                    entry = queue.poll(1, TimeUnit.SECONDS);
                    if (entry == null) {
                        continue;
                    }
                }
                emptyPolls = 0;
                if (entry == STOP_ENTRY) {
                    break;
                }
                long now = System.nanoTime();
                if (now - checked >= CHECK_NANOS) {
                    checked = now;
                    reopenIfMoved();
                    reportDropped(now);
                }
                write(entry, now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            flush();
            closeFile();
        }
    }

    /** On the writer thread: the line written, the file opened first when it is not (or not any more). */
    private void write(Entry entry, long now) {
        if (out == null) {
            if (failedAt != 0 && now - failedAt < retryNanos) {
                dropped.increment();
                return;
            }
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                openedKey = fileKey();
            } catch (IOException e) {
                failed(now, e);
                dropped.increment();
                return;
            }
        }
        try {
            unflushed++;
            out.write(format(entry));
            out.newLine();
        } catch (IOException e) {
            failed(now, e);
        }
    }

    /**
     * The file could not be opened or written (a full disk, a folder taken away): one ERROR for the
     * run of failures, lines dropped and counted, the file tried again after a while: the log comes
     * back by itself once the disk has room.
     */
    private void failed(long now, IOException e) {
        if (failedAt == 0) {
            LOG.error("TLS: access-log: cannot write {}: {}; access lines are dropped until it can be written (tried again every {} s)",
                    file, e.toString(), retryNanos / 1_000_000_000L);
        }
        failedAt = now;
        dropped.add(unflushed);
        unflushed = 0;
        closeFile();
    }

    private void flush() {
        if (out != null) {
            try {
                out.flush();
                if (failedAt != 0 && unflushed > 0) {
                    // Said once lines have reached the file: a full disk opens a file, and fails at the write.
                    failedAt = 0;
                    LOG.info("TLS: access-log: writing {} again", file);
                }
                unflushed = 0;
            } catch (IOException e) {
                failed(System.nanoTime(), e);
            }
        }
    }

    /**
     * A file moved away or deleted (log rotation: logrotate's default renames it and has the server
     * write a new one) is left for a new file of the same name, as nginx does on its reopen signal.
     */
    private void reopenIfMoved() {
        if (out != null && !Objects.equals(openedKey, fileKey())) {
            flush();
            closeFile();
            LOG.info("TLS: access-log: {} was moved or deleted (log rotation); a new file is written", file);
        }
    }

    /** The file's identity (device and inode), or null when there is no file at the path. */
    private Object fileKey() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private void closeFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // what could not be written is counted lost with the failure that made it so
            }
            out = null;
        }
    }

    /** At most once a minute: the lines dropped since the last report, with why they may have been. */
    private void reportDropped(long now) {
        long total = dropped.sum();
        if (total > droppedReported && now - reportedAt >= REPORT_NANOS) {
            LOG.warn("TLS: access-log: {} access line(s) not written to {} in the last minute ({})", total - droppedReported, file,
                    failedAt != 0 ? "the file cannot be written" : "the disk is slower than the traffic");
            droppedReported = total;
            reportedAt = now;
        }
    }

    long dropped() {
        return dropped.sum();
    }

    @Override
    public void close() {
        closed = true;
        if (!queue.offer(STOP_ENTRY)) {
            // A full queue: the writer is told by interruption instead (its lines are dropped).
            writer.interrupt();
        }
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            // A disk that takes more than 2 s: the writer stops at once, its last lines lost.
            writer.interrupt();
        }
    }
}
