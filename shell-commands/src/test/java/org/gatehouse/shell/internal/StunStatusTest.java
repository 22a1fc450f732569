package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.gatehouse.core.Listener;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.junit.jupiter.api.Test;

/** {@code stun:status}: one line per listener; a UDP wildcard names the addresses it also has a socket on. */
class StunStatusTest {

    private static Listener listener(String protocol, InetSocketAddress address) {
        return new Listener() {
            @Override
            public String name() {
                return "stun";
            }

            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public InetSocketAddress address() {
                return address;
            }
        };
    }

    @Test
    void aWildcardListsTheAddressesItAnswersFrom() throws Exception {
        Listener udp = listener("udp", new InetSocketAddress("::", 3478));
        Listener tcp = listener("tcp", new InetSocketAddress("::", 3478));
        List<InetAddress> each = List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("192.0.2.10"),
                InetAddress.getByName("::1"));
        String text = StunCommands.statusText(new StunService() {
            @Override
            public List<Listener> listeners() {
                return List.of(udp, tcp);
            }

            @Override
            public List<InetAddress> perAddress(Listener listener) {
                return listener == udp ? each : List.of();
            }

            @Override
            public StunStatistics statistics() {
                return new StunStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }

            @Override
            public CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout) {
                throw new UnsupportedOperationException();
            }
        });
        assertTrue(text.startsWith("STUN listeners\n  tcp  [::]:3478\n"
                + "  udp  [::]:3478 (answers from the address asked: 127.0.0.1, 192.0.2.10, ::1)\n\n"), text);
    }
}
