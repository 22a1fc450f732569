package org.gatehouse.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Listener moves against a fake socket table: the order of opens and closes, and what is kept when a port cannot be had. */
class ListenerMoveTest {

    /** Ports held by another program, and the listeners open, as a kernel would see them (one listener per port). */
    private static class Table implements ListenerMove.Sockets {
        final Set<Integer> foreign;
        final Map<String, InetSocketAddress> open = new LinkedHashMap<>();
        final List<String> log = new ArrayList<>();

        Table(Set<Integer> foreign, Map<String, InetSocketAddress> open) {
            this.foreign = foreign;
            this.open.putAll(open);
        }

        @Override
        public void open(String key, InetSocketAddress address) throws Exception {
            if (foreign.contains(address.getPort()) || open.values().stream().anyMatch(a -> a.getPort() == address.getPort())) {
                log.add("refused " + key);
                throw new BindException("Address already in use");
            }
            open.put(key, address);
            log.add("open " + key);
        }

        @Override
        public void close(String key) {
            open.remove(key);
            log.add("close " + key);
        }
    }

    private static InetSocketAddress at(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void theNewListenerOpensBeforeTheOldOneCloses() {
        Table t = new Table(Set.of(), Map.of("https 127.0.0.1:1000", at(1000)));
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("https 127.0.0.1:2000", at(2000)), t);
        assertEquals(List.of("open https 127.0.0.1:2000", "close https 127.0.0.1:1000"), t.log);
        assertEquals(List.of(), r.failed());
        assertEquals(List.of(), r.kept());
    }

    @Test
    void aPortHeldElsewhereKeepsTheOldListenerOfItsKindOnly() {
        Map<String, InetSocketAddress> before = new LinkedHashMap<>();
        before.put("https 127.0.0.1:1000", at(1000));
        before.put("http 127.0.0.1:1001", at(1001));
        Table t = new Table(Set.of(3000), before);
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("https 127.0.0.1:3000", at(3000)), t);
        assertEquals(List.of("refused https 127.0.0.1:3000", "close http 127.0.0.1:1001"), t.log);
        assertEquals(List.of("https 127.0.0.1:1000"), r.kept());
        assertEquals("https 127.0.0.1:3000", r.failed().get(0).key());
        assertEquals("Address already in use", r.failed().get(0).reason());
        assertEquals(Set.of("https 127.0.0.1:1000"), t.open.keySet());
    }

    @Test
    void portsSwappedBetweenKindsMoveThroughTheClash() {
        Map<String, InetSocketAddress> before = new LinkedHashMap<>();
        before.put("https 127.0.0.1:1000", at(1000));
        before.put("http 127.0.0.1:1001", at(1001));
        Table t = new Table(Set.of(), before);
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        wanted.put("https 127.0.0.1:1001", at(1001));
        wanted.put("http 127.0.0.1:1000", at(1000));
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, t);
        assertEquals(List.of(), r.failed());
        assertEquals(wanted, t.open);
    }

    @Test
    void aClashThatStillFailsOpensTheOldListenerAgain() {
        // The old wildcard listener's port is wanted on one address, which another program holds meanwhile.
        Table t = new Table(Set.of(), Map.of("stun 0.0.0.0:3478", new InetSocketAddress("0.0.0.0", 3478))) {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                if (key.equals("stun 127.0.0.1:3478")) {
                    log.add("refused " + key);
                    throw new BindException("Address already in use");
                }
                super.open(key, address);
            }
        };
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("stun 127.0.0.1:3478", at(3478)), t);
        assertEquals(List.of("refused stun 127.0.0.1:3478", "close stun 0.0.0.0:3478", "refused stun 127.0.0.1:3478",
                "open stun 0.0.0.0:3478"), t.log);
        assertEquals(List.of("stun 0.0.0.0:3478"), r.kept());
        assertEquals(1, r.failed().size());
    }

    /**
     * A port in use on another address (a program holding 127.0.0.2:P) is no clash with the listener on
     * 127.0.0.1:P: it stays open throughout (closed and opened again, a UDP listener's TURN allocations
     * would end), at every later move too.
     */
    @Test
    void listenersOnDifferentAddressesDoNotClash() {
        Table t = new Table(Set.of(), Map.of("udp 127.0.0.1:3478", at(3478))) {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                if (address.getAddress().getHostAddress().equals("127.0.0.2")) {
                    log.add("refused " + key);
                    throw new BindException("Address already in use");
                }
                super.open(key, address);
            }
        };
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        wanted.put("udp 127.0.0.2:3478", new InetSocketAddress("127.0.0.2", 3478));
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, t);
        assertEquals(List.of("udp 127.0.0.1:3478"), r.kept());
        wanted.put("udp 127.0.0.1:4000", at(4000));
        r = ListenerMove.apply(Map.copyOf(t.open), wanted, t);
        assertEquals(List.of("udp 127.0.0.1:3478"), r.kept());
        assertFalse(t.log.contains("close udp 127.0.0.1:3478"), t.log.toString());
        assertTrue(t.open.containsKey("udp 127.0.0.1:3478"));
    }

    @Test
    void anAddressThisHostDoesNotHaveIsNoClash() {
        // Same port, another address that cannot be assigned: the listener that serves stays, nothing is
        // closed. Netty's native transport words it in a SocketException, the JDK's sockets in a
        // BindException (which is no sign of a port in use by itself: EADDRNOTAVAIL and EACCES are ones too).
        for (Exception refusal : List.of(new java.net.SocketException("bind(..) failed: Cannot assign requested address"),
                new BindException("Cannot assign requested address"), new BindException("Permission denied"))) {
            Table t = new Table(Set.of(), Map.of("stun 127.0.0.1:3478", at(3478))) {
                @Override
                public void open(String key, InetSocketAddress address) throws Exception {
                    log.add("refused " + key);
                    throw refusal;
                }
            };
            ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("stun 192.0.2.9:3478", new InetSocketAddress("192.0.2.9", 3478)),
                    t);
            assertEquals(List.of("refused stun 192.0.2.9:3478"), t.log, refusal.toString());
            assertEquals(List.of("stun 127.0.0.1:3478"), r.kept());
        }
        assertTrue(ListenerMove.addressInUse(new BindException("Address already in use")));
        assertTrue(ListenerMove.addressInUse(new IllegalStateException(new BindException("Address already in use"))));
    }

    @Test
    void anOldListenerThatCannotBeOpenedAgainIsReported() {
        // The wildcard given up for one address: the retry fails, and so does opening the old one again.
        Table t = new Table(Set.of(), Map.of("stun 0.0.0.0:3478", new InetSocketAddress("0.0.0.0", 3478))) {
            int opens;

            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                if (opens++ > 0 || key.equals("stun 127.0.0.1:3478")) {
                    log.add("refused " + key);
                    throw new BindException("Address already in use");
                }
                super.open(key, address);
            }
        };
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("stun 127.0.0.1:3478", at(3478)), t);
        assertEquals(List.of(), r.kept());
        assertEquals(List.of("stun 127.0.0.1:3478", "stun 0.0.0.0:3478"), r.failed().stream().map(ListenerMove.Failure::key).toList(),
                "both reported: nothing listens there now");
    }

    @Test
    void udpAndTcpDoNotClash() {
        Table t = new Table(Set.of(5000), Map.of("udp 127.0.0.1:5000", at(5000))) {
            @Override
            public boolean samePorts(String key, String other) {
                return key.startsWith("udp") == other.startsWith("udp");
            }
        };
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), Map.of("tcp 127.0.0.1:5000", at(5000)), t);
        assertEquals(List.of("refused tcp 127.0.0.1:5000", "close udp 127.0.0.1:5000"), t.log, "no clash across transports: the UDP one just goes");
        assertEquals(List.of(), r.kept());
    }

    @Test
    void failuresAreDescribedAsAddressAndReasonInOrder() {
        Table t = new Table(Set.of(3000, 3001), Map.of());
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        wanted.put("https 127.0.0.1:3000", at(3000));
        wanted.put("http [::1]:3001", new InetSocketAddress("::1", 3001));
        wanted.put("http 127.0.0.1:3002", at(3002));
        ListenerMove.Result r = ListenerMove.apply(Map.of(), wanted, t);
        assertEquals("127.0.0.1:3000 (Address already in use), [::1]:3001 (Address already in use)", r.describeFailed());
        assertEquals("https-listen 127.0.0.1:3000 (Address already in use), http-listen [::1]:3001 (Address already in use)",
                r.describeFailed(f -> f.key().startsWith("https") ? "https-listen " : "http-listen "));
        assertEquals("", ListenerMove.apply(Map.of(), Map.of("http 127.0.0.1:3003", at(3003)), t).describeFailed(), "none failed");
    }

    @Test
    void aFailureIsDescribedByItsInnermostCause() {
        ListenerMove.Failure f = new ListenerMove.Failure("tls 0.0.0.0:443", new InetSocketAddress("0.0.0.0", 443),
                new IllegalStateException("wrapped", new BindException("Permission denied")));
        assertEquals("0.0.0.0:443 (Permission denied)", f.describe());
        ListenerMove.Failure silent = new ListenerMove.Failure("udp 192.0.2.1:3478", new InetSocketAddress("192.0.2.1", 3478),
                new IOException());
        assertEquals("192.0.2.1:3478 (java.io.IOException)", silent.describe(), "no message: the exception names itself");
    }
    /**
     * A listener kept in place of one whose port another program held (here a port that clashes with
     * it in the fake table) is not closed by a retry while that port is still held; once it is free,
     * the wanted one opens and the kept one closes.
     */
    @Test
    void aRetryNeverClosesTheListenerThatServesUntilTheWantedOneOpens() {
        Map<String, InetSocketAddress> before = new LinkedHashMap<>();
        before.put("https 127.0.0.1:1000", at(1000));
        Table t = new Table(new java.util.HashSet<>(Set.of(3000)), before);
        Map<String, InetSocketAddress> wanted = Map.of("https 127.0.0.1:3000", at(3000));
        ListenerMove.apply(Map.copyOf(t.open), wanted, t);
        t.log.clear();

        ListenerMove.Result again = ListenerMove.retry(Map.copyOf(t.open), wanted, t);
        assertEquals(List.of("refused https 127.0.0.1:3000"), t.log, "nothing closed while the port is held");
        assertEquals(List.of("https 127.0.0.1:1000"), again.kept());
        assertEquals("https 127.0.0.1:3000", again.failed().get(0).key());

        t.log.clear();
        t.foreign.clear();
        ListenerMove.Result opened = ListenerMove.retry(Map.copyOf(t.open), wanted, t);
        assertEquals(List.of("open https 127.0.0.1:3000", "close https 127.0.0.1:1000"), t.log);
        assertEquals(List.of(), opened.failed());
        assertEquals(List.of(), opened.kept());
    }

    /** Unlike a move, a retry does not close the listener of the same port to make room: it only opens what is missing. */
    @Test
    void aRetryDoesNotCloseAClashingListener() {
        Map<String, InetSocketAddress> before = new LinkedHashMap<>();
        before.put("https 127.0.0.1:1000", at(1000));
        Table t = new Table(Set.of(), before);
        ListenerMove.Result r = ListenerMove.retry(Map.copyOf(t.open), Map.of("https 127.0.0.2:1000", new InetSocketAddress("127.0.0.2", 1000)), t);
        assertEquals(List.of("refused https 127.0.0.2:1000"), t.log);
        assertEquals(List.of("https 127.0.0.1:1000"), r.kept());
    }

    private static Map<String, InetSocketAddress> wildcardPair(int port) {
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        wanted.put("https 0.0.0.0:" + port, new InetSocketAddress("0.0.0.0", port));
        wanted.put("https [::]:" + port, new InetSocketAddress("::", port));
        wanted.put("http 0.0.0.0:80", new InetSocketAddress("0.0.0.0", 80));
        return wanted;
    }

    /** 0.0.0.0:P with [::]:P of one kind (the kernel would refuse the second): one dual-stack [::]:P opens for both. */
    @Test
    void aWildcardPairOpensAsOneDualStackListener() {
        ListenerMove.DualStack pairs = new ListenerMove.DualStack();
        Table t = new Table(Set.of(), Map.of());
        Map<String, InetSocketAddress> wanted = wildcardPair(443);
        Set<String> dualStack = pairs.merge(wanted, t.open.keySet());
        assertEquals(Set.of("https [::]:443"), dualStack);
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, pairs.sockets(t, dualStack, (k, line) -> t.log.add("fell back " + k)));
        assertEquals(List.of("open https [::]:443", "open http 0.0.0.0:80"), t.log);
        assertEquals(List.of(), r.failed());
    }

    /** Without IPv6 the [::] of a pair opens as 0.0.0.0 on its port, which later moves keep (no failure, nothing listed). */
    @Test
    void withoutIpv6TheIpv4WildcardOfAPairServesAndIsKept() {
        ListenerMove.DualStack pairs = new ListenerMove.DualStack();
        Table t = new Table(Set.of(), Map.of()) {
            @Override
            public void open(String key, InetSocketAddress address) throws Exception {
                if (address.getAddress() instanceof java.net.Inet6Address) {
                    log.add("refused " + key);
                    throw new java.net.SocketException("socket(..) failed: Address family not supported by protocol");
                }
                super.open(key, address);
            }
        };
        Map<String, InetSocketAddress> wanted = wildcardPair(443);
        Set<String> dualStack = pairs.merge(wanted, t.open.keySet());
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, pairs.sockets(t, dualStack, (k, line) -> t.log.add("fell back " + k)));
        assertEquals(List.of("refused https [::]:443", "fell back https [::]:443", "open https 0.0.0.0:443", "open http 0.0.0.0:80"), t.log);
        assertEquals(List.of(), r.failed());

        t.log.clear();
        Map<String, InetSocketAddress> again = wildcardPair(443);
        Set<String> none = pairs.merge(again, t.open.keySet());
        assertEquals(Set.of(), none);
        assertEquals(Set.of("https 0.0.0.0:443", "http 0.0.0.0:80"), again.keySet(), "the open IPv4 wildcard stands for the pair");
        ListenerMove.Result second = ListenerMove.apply(Map.copyOf(t.open), again, pairs.sockets(t, none, (k, line) -> t.log.add("fell back " + k)));
        assertEquals(List.of(), t.log, "nothing opened or closed");
        assertEquals(List.of(), second.failed());
    }

    /** A port in use is no sign of a host without IPv6: the [::] fails (for the move to handle), no IPv4 wildcard opens in its place. */
    @Test
    void aDualStackListenerWhosePortIsInUseDoesNotFallBack() {
        ListenerMove.DualStack pairs = new ListenerMove.DualStack();
        Table t = new Table(Set.of(443), Map.of());
        Map<String, InetSocketAddress> wanted = wildcardPair(443);
        Set<String> dualStack = pairs.merge(wanted, t.open.keySet());
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, pairs.sockets(t, dualStack, (k, line) -> t.log.add("fell back " + k)));
        assertEquals(List.of("refused https [::]:443", "open http 0.0.0.0:80"), t.log);
        assertEquals("https [::]:443", r.failed().get(0).key());
    }

    /** Only a pair merges: a [::] alone, or with 0.0.0.0 of another port or kind, opens as asked. */
    @Test
    void onlyAPairOfOneKindAndPortMerges() {
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        wanted.put("https [::]:443", new InetSocketAddress("::", 443));
        wanted.put("https 0.0.0.0:444", new InetSocketAddress("0.0.0.0", 444));
        wanted.put("http 0.0.0.0:443", new InetSocketAddress("0.0.0.0", 443));
        wanted.put("https [::1]:445", new InetSocketAddress("::1", 445));
        wanted.put("https 0.0.0.0:445", new InetSocketAddress("0.0.0.0", 445));
        Map<String, InetSocketAddress> before = new LinkedHashMap<>(wanted);
        assertEquals(Set.of(), new ListenerMove.DualStack().merge(wanted, Set.of()));
        assertEquals(before, wanted);
    }

    /**
     * 0.0.0.0:P open because it alone was asked for, and [::]:P added to it: the pair's dual-stack
     * [::]:P takes its place (the IPv4 wildcard is closed to free the port, then [::]:P opens).
     */
    @Test
    void anIpv6WildcardAddedToARunningIpv4OneTakesItsPlace() {
        ListenerMove.DualStack pairs = new ListenerMove.DualStack();
        Table t = new Table(Set.of(), Map.of("https 0.0.0.0:443", new InetSocketAddress("0.0.0.0", 443)));
        Map<String, InetSocketAddress> wanted = wildcardPair(443);
        wanted.remove("http 0.0.0.0:80");
        Set<String> dualStack = pairs.merge(wanted, t.open.keySet());
        assertEquals(Set.of("https [::]:443"), dualStack);
        ListenerMove.Result r = ListenerMove.apply(Map.copyOf(t.open), wanted, pairs.sockets(t, dualStack, (k, line) -> t.log.add("fell back " + k)));
        assertEquals(List.of("refused https [::]:443", "close https 0.0.0.0:443", "open https [::]:443"), t.log);
        assertEquals(List.of(), r.failed());
        assertEquals(Set.of("https [::]:443"), t.open.keySet());
    }
}
