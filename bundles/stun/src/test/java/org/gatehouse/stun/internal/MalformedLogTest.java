package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.core.CapturedLog;
import org.gatehouse.stun.StunConnection;
import org.junit.jupiter.api.Test;

/** The dropped-packet lines: bounded per address and across addresses, and no dropped packet unaccounted for. */
class MalformedLogTest {

    private static final Pattern THIS_ADDRESS = Pattern.compile("\\((\\d+) more from this address");
    private static final Pattern OTHERS = Pattern.compile("\\((\\d+) more from other addresses dropped without a line");

    private static final StunConnection UDP = new DispatcherFuzzTest.Capture();

    private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(5));
    private final MalformedLog log = new MalformedLog(clock::get);
    private int sent;

    private void drop(String source) {
        sent++;
        log.report(UDP, new InetSocketAddress(source, 40000), () -> "not STUN (first byte 0xff)");
    }

    private void at(long seconds) {
        clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void linesLeftOutForTheLimitAcrossAddressesAreCountedInTheNextLine() {
        try (CapturedLog captured = new CapturedLog()) {
            // 25 addresses, 4 junk packets each within one second: 10 lines (the limit across
            // addresses), the other 15 addresses' first packets left for a later line.
            for (int round = 0; round < 4; round++) {
                for (int a = 1; a <= 25; a++) {
                    drop("10.0.0." + a);
                }
            }
            assertEquals(MalformedLog.MAX_LINES_PER_SECOND, lines(captured).size());
            at(2);
            drop("10.0.0.1");
            drop("10.0.1.1");
            // A minute on, every address again at once: 10 more lines, each with its address's
            // packets since its last line; 15 addresses with 4 packets waiting each left out again.
            at(60);
            for (int a = 1; a <= 25; a++) {
                drop("10.0.0." + a);
            }
            at(2);
            drop("10.0.2.1");

            List<String> lines = lines(captured);
            assertEquals(2 * MalformedLog.MAX_LINES_PER_SECOND + 2, lines.size(), lines.toString());
            long accounted = 0;
            for (String line : lines) {
                accounted += 1 + figure(THIS_ADDRESS, line) + figure(OTHERS, line);
            }
            assertEquals(sent, accounted, "every dropped packet is in some line's figures: " + lines);
            String last = lines.get(lines.size() - 1);
            assertTrue(last.contains("dropped packet from 10.0.2.1:40000: not STUN (first byte 0xff) (60 more from other addresses"
                    + " dropped without a line: over 10 lines a second)"), last);
        }
    }

    private static List<String> lines(CapturedLog captured) {
        return captured.lines("INFO").stream().filter(l -> l.contains("dropped packet from")).toList();
    }

    private static long figure(Pattern p, String line) {
        Matcher m = p.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
