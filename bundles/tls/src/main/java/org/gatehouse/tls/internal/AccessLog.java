package org.gatehouse.tls.internal;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
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

    private final Path file;
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(65_536);
    private final Thread writer;
    private volatile long dropped;

    AccessLog(Path file) {
        this.file = file;
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
        if (!queue.offer(new Entry(client, user, System.currentTimeMillis(), method, target, version, status, bytes, referer,
                userAgent, upstream, micros))) {
            dropped++;
        }
    }

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
        BufferedWriter out = null;
        int emptyPolls = 0;
        try {
            while (true) {
                Entry entry = queue.poll();
                if (entry == null) {
                    if (out != null) {
                        out.flush();
                    }
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
                if (out == null) {
                    try {
                        Files.createDirectories(file.toAbsolutePath().getParent());
                        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        LOG.error("TLS: access-log: cannot write {}: {}; access lines are dropped", file, e.toString());
                        queue.clear();
                        Thread.sleep(60_000);
                        continue;
                    }
                }
                out.write(format(entry));
                out.newLine();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.error("TLS: access-log: writing {} failed: {}", file, e.toString());
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    long dropped() {
        return dropped;
    }

    @Override
    public void close() {
        queue.offer(STOP_ENTRY);
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
