package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.Test;

/** A full relay port range is said once a minute per relay address, not at every Allocate it refuses. */
class PortShortageLogTest {

    private static final String LINE = "TURN: no free relay port on 127.0.0.1 in ";

    @Test
    void manyRefusedAllocatesGiveOneWarningAndEachItsOwn508() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient holder = turn.client();
                TurnClient other = TurnClient.udp(turn.udp()).credentials("bob", "hunter2")) {
            InetSocketAddress relayed = TurnClient.relayed(holder.allocate());
            int port = relayed.getPort();
            turn.reconfigure("min-port", String.valueOf(port), "max-port", String.valueOf(port));
            try (CapturedLog log = new CapturedLog()) {
                for (int i = 0; i < 25; i++) {
                    assertEquals(508, TurnClient.code(other.allocate()), "Allocate " + i + ": the only port is taken");
                }
                List<String> warnings = log.lines("WARN");
                assertEquals(1, warnings.size(), "one line for the lot: " + warnings);
                assertTrue(warnings.get(0).contains(LINE + port + "-" + port + " (etc/org.gatehouse.turn.cfg min-port, max-port)"),
                        warnings.get(0));
            }
            assertEquals(1, turn.turn.statistics().allocations(), "the holder's allocation is all there is");
        }
    }

    @Test
    void theNextLineAfterAMinuteCountsTheRefusalsSinceTheLastOnePerRelayAddress() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        PortShortageLog shortage = new PortShortageLog(now::get);
        InetAddress v4 = InetAddress.getByName("127.0.0.1");
        InetAddress v6 = InetAddress.getByName("::1");
        try (CapturedLog log = new CapturedLog()) {
            shortage.refused(v4, 50000, 50009);
            assertEquals(1, log.lines("WARN").size(), "the first is said at once");
            assertTrue(log.lines("WARN").get(0).endsWith(LINE + "50000-50009 (etc/org.gatehouse.turn.cfg min-port, max-port)"),
                    "no count on the first line: " + log.lines("WARN"));
            for (int i = 0; i < 4; i++) {
                now.addAndGet(TimeUnit.SECONDS.toNanos(10));
                shortage.refused(v4, 50000, 50009);
            }
            shortage.refused(v6, 50000, 50009);
            List<String> warnings = log.lines("WARN");
            assertEquals(2, warnings.size(), "40 s on, only ::1's first line is new: " + warnings);
            assertTrue(warnings.get(1).contains("no free relay port on ::1 in "), warnings.get(1));

            now.addAndGet(TimeUnit.SECONDS.toNanos(20));
            shortage.refused(v4, 50000, 50009);
            warnings = log.lines("WARN");
            assertEquals(3, warnings.size(), "a minute after the first line: " + warnings);
            assertTrue(warnings.get(2).endsWith(LINE + "50000-50009 (etc/org.gatehouse.turn.cfg min-port, max-port)"
                    + "; 5 Allocates refused (508) since the last such line"), warnings.get(2));

            now.addAndGet(TimeUnit.SECONDS.toNanos(59));
            shortage.refused(v4, 50000, 50009);
            assertEquals(3, log.lines("WARN").size(), "59 s after the last line");
        }
    }
}
