package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.Listener;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code stun:probe} as typed in Gogo: each form of a server probes it or is refused in one clear line. */
class StunProbeTest {

    private final ThreadIOImpl io = new ThreadIOImpl();
    private final List<InetSocketAddress> probed = new ArrayList<>();
    private Throwable failure;

    private final StunService stun = new StunService() {
        @Override
        public List<Listener> listeners() {
            return List.of();
        }

        @Override
        public StunStatistics statistics() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout) {
            probed.add(server);
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            return CompletableFuture.completedFuture(new ProbeResult(server, new InetSocketAddress("::1", 40000),
                    new InetSocketAddress("::1", 40000), null, Duration.ofMillis(1), 1));
        }
    };

    private CommandSession session() {
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        StunCommands commands = new StunCommands();
        commands.stun = stun;
        processor.addCommand("stun", commands, "probe");
        PrintStream discard = new PrintStream(new ByteArrayOutputStream());
        return processor.createSession(new ByteArrayInputStream(new byte[0]), discard, discard);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void anIpv6ServerWorksBracketedQuotedOrNot() throws Exception {
        CommandSession s = session();
        s.execute("stun:probe [::1]");
        s.execute("stun:probe [::1]:3478");
        s.execute("stun:probe [::1]:5349");
        s.execute("stun:probe '[::1]:3479'");
        s.execute("stun:probe 127.0.0.1:3480");
        s.execute("stun:probe 2001:db8::10");
        assertEquals(List.of(new InetSocketAddress("::1", 3478), new InetSocketAddress("::1", 3478), new InetSocketAddress("::1", 5349),
                new InetSocketAddress("::1", 3479), new InetSocketAddress("127.0.0.1", 3480), new InetSocketAddress("2001:db8::10", 3478)),
                probed);
    }

    @Test
    void anAddressThatAlsoReadsAsAPortIsRefused() {
        CommandSession s = session();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.execute("stun:probe ::1:3478"));
        assertEquals("stun:probe: '::1:3478' is ambiguous: write [::1]:3478 for port 3478 of ::1, or '[::1:3478]' (quoted) for that address",
                e.getMessage());
        assertEquals(List.of(), probed);
    }

    @Test
    void portZeroIsRefusedAtOnce() {
        CommandSession s = session();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.execute("stun:probe 127.0.0.1:0"));
        assertEquals("stun:probe: '127.0.0.1:0': port 0 is no port a server listens on", e.getMessage());
        assertEquals(List.of(), probed);
    }

    @Test
    void anUnreachableServerIsNamedInWords() {
        CommandSession s = session();
        failure = new NoRouteToHostException();
        CommandRefused e = assertThrows(CommandRefused.class, () -> s.execute("stun:probe '[::1:3478]'"));
        assertEquals("stun:probe: no route from this host to [::1:3478]:3478", e.getMessage());
    }

    /**
     * The verdict the deployment guide asks for: a node on a private network that the server sees
     * unchanged cannot learn its public address from it (the single and dual NIC shapes), while one on a
     * public address needs no STUN server, and one seen translated learns its public address.
     */
    @Test
    void theVerdictTellsAPrivateAddressSeenUnchangedFromAPublicOne() {
        ProbeResult inside = new ProbeResult(new InetSocketAddress("10.40.0.2", 3478), new InetSocketAddress("10.40.0.10", 52011),
                new InetSocketAddress("10.40.0.10", 52011), "Gatehouse", Duration.ofMillis(1), 1);
        String text = StunCommands.probeText(inside);
        assertTrue(text.contains("configure a separate STUN server"), text);
        assertFalse(text.contains("needs no separate STUN server"), text);
        ProbeResult ula = new ProbeResult(new InetSocketAddress("fd00::2", 3478), new InetSocketAddress("fd00::10", 52011),
                new InetSocketAddress("fd00::10", 52011), null, Duration.ofMillis(1), 1);
        assertTrue(StunCommands.probeText(ula).contains("configure a separate STUN server"), StunCommands.probeText(ula));

        ProbeResult open = new ProbeResult(new InetSocketAddress("198.51.100.130", 3478), new InetSocketAddress("198.51.100.7", 41234),
                new InetSocketAddress("198.51.100.7", 41234), "Gatehouse", Duration.ofMillis(1), 1);
        assertTrue(StunCommands.probeText(open).contains("no NAT in between. A node here is reachable at\nits own address and needs no"
                + " separate STUN server."), StunCommands.probeText(open));

        ProbeResult behindNat = new ProbeResult(new InetSocketAddress("192.0.2.10", 3478), new InetSocketAddress("10.40.0.10", 52011),
                new InetSocketAddress("198.51.100.2", 41234), "Gatehouse", Duration.ofMillis(1), 1);
        assertTrue(StunCommands.probeText(behindNat).contains("this host is behind NAT"), StunCommands.probeText(behindNat));
    }
}
