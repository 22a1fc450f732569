package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.gatehouse.turn.Draining;
import org.gatehouse.turn.TurnStatistics;
import org.junit.jupiter.api.Test;

/** turn:drain, and how draining reads in turn:stats and gatehouse:status. */
class TurnDrainTest {

    static final Instant SINCE = Instant.parse("2026-12-02T14:00:00Z");

    /** Draining as the relay reports it, with 2 allocations still relaying; what the shell asked is kept. */
    static final class Drained extends NothingToDoTest.NoAllocations {
        final List<Boolean> asked = new ArrayList<>();
        Draining state;
        RuntimeException refusal;

        Drained() {
            this(null);
        }

        /** With {@code refused}: the file differs from the settings in force (why, as the TURN bundle says it). */
        Drained(String refused) {
            super("gatehouse", true, refused);
        }

        @Override
        public Draining draining() {
            return state;
        }

        @Override
        public Draining drain(boolean on) {
            asked.add(on);
            if (refusal != null) {
                throw refusal;
            }
            state = on ? new Draining(SINCE, alternates(), 0) : null;
            return state;
        }

        @Override
        public TurnStatistics statistics() {
            return new TurnStatistics(2, 3, 2, 9, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    static List<InetSocketAddress> alternates() {
        try {
            return List.of(new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 0),
                    new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 5349));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void drainingReadsWhereNewAllocationsGoAndWhatStillRelays() {
        String text = TurnCommands.drainingText(new Draining(SINCE, alternates(), 12), 2, SINCE.plusSeconds(75));
        assertEquals("Draining        since 2026-12-02 14:00:00 UTC (1:15): new Allocate requests are answered "
                + "300 Try Alternate to 203.0.113.7, [2001:db8::7]:5349; 12 turned away so far\n"
                + "                2 allocations still relaying here until their clients end them\n", text);
        text = TurnCommands.drainingText(new Draining(SINCE, List.of(), 1), 0, SINCE);
        assertTrue(text.contains("answered 508 Insufficient Capacity (no alternate-server in force); 1 turned away"), text);
        assertTrue(text.endsWith("drained: no allocation left; stopping Gatehouse now ends no call\n"), text);
    }

    @Test
    void turnDrainStartsAndOffEndsIt() {
        TurnCommands commands = new TurnCommands();
        Drained admin = new Drained();
        commands.admin = admin;
        String out = LdapCommandsTest.printed(() -> commands.drain());
        assertTrue(out.startsWith("Draining        since ") && out.contains("2 allocations still relaying"), out);
        assertTrue(LdapCommandsTest.printed(() -> commands.stats()).contains("\nDraining        since "));
        out = LdapCommandsTest.printed(() -> commands.drain("off"));
        assertEquals("TURN is not draining: new allocations are made here.\n", out);
        assertEquals(List.of(true, false), admin.asked);
        assertTrue(!LdapCommandsTest.printed(() -> commands.stats()).contains("Draining"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.drain("of"));
        assertEquals("turn:drain: 'of' is not off; usage: turn:drain [off]", e.getMessage());
        admin.refusal = new IllegalStateException("TURN relays nothing (etc/org.gatehouse.turn.cfg: max-bps ...): there is nothing to drain");
        e = assertThrows(IllegalArgumentException.class, () -> commands.drain());
        assertEquals("turn:drain: TURN relays nothing (etc/org.gatehouse.turn.cfg: max-bps ...): there is nothing to drain", e.getMessage());
        assertEquals(List.of(true, false, true), admin.asked);
    }

    /** Drained on settings that are not the file's (it was refused): said first, as turn:stats does. */
    @Test
    void turnDrainSaysFirstThatTheFileIsNotInForce() {
        TurnCommands commands = new TurnCommands();
        commands.admin = new Drained(TurnStatusTest.REFUSED_AT_START);
        String out = LdapCommandsTest.printed(() -> commands.drain());
        assertTrue(out.startsWith("Configuration file refused: " + TurnStatusTest.REFUSED_AT_START + "\nDraining        since "), out);
    }

    @Test
    void gatehouseStatusSaysTheRelayIsDraining() {
        FeatureStatus.Turn status = TurnStatusTest.status(true, "gatehouse", 1, new java.util.TreeMap<>(), List.of("alice@gatehouse"));
        Drained admin = new Drained();
        admin.drain(true);
        status.admin = admin;
        List<String> lines = status.report().lines();
        assertTrue(lines.get(lines.size() - 2).startsWith("draining since ") && lines.get(lines.size() - 1)
                .equals("2 allocations still relaying here until their clients end them"), lines.toString());
    }
}
