package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.gatehouse.core.CapturedLog;
import org.gatehouse.core.IsolatedNetwork;
import org.gatehouse.core.Listener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A wildcard UDP listener answers each request from the address it was sent to. Linux loopback takes
 * every 127.0.0.0/8 address, though only 127.0.0.1 is listed on it, so the tests tell the responder
 * which addresses this host has: a request to 127.0.0.2 on a bare wildcard socket is answered from
 * 127.0.0.1 (the route's source), which a connected client socket (like a NAT, or ICE) drops.
 */
class PerAddressSocketsTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Sends a Binding request from a socket connected to {@code server}; true when the answer came back through it. */
    private static boolean answeredConnected(InetSocketAddress server) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(server.getAddress() instanceof Inet6Address ? "::1" : "127.0.0.1", 0))) {
            s.connect(server);
            s.setSoTimeout(300);
            byte[] req = new byte[20];
            req[1] = 0x01; // Binding request
            req[4] = 0x21;
            req[5] = 0x12;
            req[6] = (byte) 0xa4;
            req[7] = 0x42;
            byte[] id = new byte[12];
            ThreadLocalRandom.current().nextBytes(id);
            System.arraycopy(id, 0, req, 8, 12);
            byte[] buf = new byte[1500];
            for (int attempt = 0; attempt < 3; attempt++) {
                s.send(new DatagramPacket(req, req.length));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                assertEquals(server, p.getSocketAddress());
                assertEquals(0x0101, ((buf[0] & 0xff) << 8) | (buf[1] & 0xff), "a Binding success response");
                assertArrayEquals(id, Arrays.copyOfRange(buf, 8, 20));
                return true;
            }
            return false;
        }
    }

    private static Listener udp(Responder r) {
        return r.component.listeners().stream().filter(l -> l.protocol().equals("udp")).findFirst().orElseThrow();
    }

    /** With SO_REUSEPORT a UDP listener has a socket per I/O thread, each on its own thread: every core answers on its port. */
    @Test
    void eachSocketOfAListenerIsOnItsOwnThread() throws Exception {
        try (Responder r = new Responder(3, "listen", "127.0.0.1:0", "tls-listen", "", "tcp", "false")) {
            assumeTrue(r.loops.reusePortSupported(), "no SO_REUSEPORT here");
            BoundListener l = (BoundListener) udp(r);
            assertEquals(3, l.sockets());
            assertEquals(3, l.threads().size(), "one socket per thread");
        }
    }

    @Test
    @Tag(IsolatedNetwork.TAG)
    void aRequestToASecondAddressIsAnsweredFromIt() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        try (Responder r = new Responder(2, () -> List.of(InetAddress.getLoopbackAddress(), ip("127.0.0.2")),
                "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false")) {
            Listener wildcard = udp(r);
            int port = wildcard.address().getPort();
            assertTrue(wildcard.address().getAddress().isAnyLocalAddress(), wildcard.toString());
            assertTrue(answeredConnected(new InetSocketAddress("127.0.0.1", port)));
            assertTrue(answeredConnected(new InetSocketAddress("127.0.0.2", port)), "the answer to 127.0.0.2 leaves from 127.0.0.2");
            assertEquals(List.of(ip("127.0.0.1"), ip("127.0.0.2")), r.component.perAddress(wildcard));
            assertEquals(1, r.component.listeners().size(), "one listener (and Listener service) per configured address");
        }
    }

    /**
     * An address that comes later gets its socket at the next check; one that goes keeps it (a
     * virtual address failing back serves at once) until the wildcard is no longer configured.
     */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void addressesComingLaterArePickedUpAndKeptUntilTheWildcardGoes() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        List<InetAddress> host = new CopyOnWriteArrayList<>(List.of(InetAddress.getLoopbackAddress()));
        try (Responder r = new Responder(2, () -> List.copyOf(host), "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false")) {
            Listener wildcard = udp(r);
            int port = wildcard.address().getPort();
            InetSocketAddress third = new InetSocketAddress("127.0.0.3", port);
            assertTrue(!answeredConnected(third), "a bare wildcard answers 127.0.0.3 from 127.0.0.1");
            host.add(ip("127.0.0.3"));
            try (CapturedLog log = new CapturedLog()) {
                r.component.checkAddresses();
                List<String> info = log.lines("INFO");
                assertEquals(1, info.size(), info.toString());
                assertTrue(info.get(0).contains("new address of this host 127.0.0.3"), info.get(0));
            }
            assertTrue(answeredConnected(third));
            host.remove(ip("127.0.0.3"));
            r.component.checkAddresses();
            assertEquals(List.of(ip("127.0.0.1"), ip("127.0.0.3")), r.component.perAddress(wildcard), "kept when the address goes");
            assertTrue(answeredConnected(third));

            r.component.modified(Responder.props("listen", "127.0.0.1:0", "tls-listen", "", "tcp", "false"));
            assertEquals(List.of(), r.component.perAddress(udp(r)), "an explicit address has none");
            assertEquals(List.of(), r.component.perAddress(wildcard));
            // The wildcard's per-address sockets went with it: the port is free for anyone.
            try (DatagramSocket s = new DatagramSocket(third)) {
                assertEquals(third, s.getLocalSocketAddress());
            }
        }
    }

    /** The wildcard replaced by one of its addresses on its port: the per-address socket there is out of the way. */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void theWildcardCanBeReplacedByOneOfItsAddresses() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        try (Responder r = new Responder(2, () -> List.of(ip("127.0.0.3")), "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false")) {
            int port = udp(r).address().getPort();
            r.component.modified(Responder.props("listen", "0.0.0.0:" + port, "tls-listen", "", "tcp", "false"));
            assertEquals(List.of(ip("127.0.0.3")), r.component.perAddress(udp(r)));
            r.component.modified(Responder.props("listen", "127.0.0.3:" + port, "tls-listen", "", "tcp", "false"));
            assertEquals(List.of(), r.component.problems());
            assertEquals(new InetSocketAddress("127.0.0.3", port), udp(r).address());
            assertTrue(answeredConnected(new InetSocketAddress("127.0.0.3", port)));
        }
    }

    /** An address that cannot be bound is one WARN and no Problem; the wildcard goes on serving it. */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void anAddressThatCannotBeBoundIsOneWarningAndTheWildcardServesIt() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        try (CapturedLog log = new CapturedLog();
                Responder r = new Responder(2, () -> List.of(InetAddress.getLoopbackAddress(), ip("192.0.2.77")),
                        "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false")) {
            r.component.checkAddresses();
            r.component.checkAddresses();
            List<String> warnings = log.lines("WARN");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("cannot open a socket on 192.0.2.77:"), warnings.get(0));
            assertEquals(List.of(), r.component.problems());
            assertEquals(List.of(InetAddress.getLoopbackAddress()), r.component.perAddress(udp(r)));
            assertTrue(answeredConnected(new InetSocketAddress("127.0.0.1", udp(r).address().getPort())));
        }
    }

    /**
     * An address listed beside the wildcard on its port could not be opened next to it (a plain bind
     * finds the port in use): refused, and the wildcard keeps answering from every address.
     */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void anAddressBesideTheWildcardOnItsPortIsRefused() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        try (Responder r = new Responder(2, () -> List.of(ip("127.0.0.2"), ip("127.0.0.3")),
                "listen", "0.0.0.0:0", "tls-listen", "", "tcp", "false")) {
            int port = udp(r).address().getPort();
            r.component.modified(Responder.props("listen", "0.0.0.0:" + port + ", 127.0.0.3:" + port, "tls-listen", "", "tcp", "false"));
            assertEquals(1, r.component.listeners().size(), r.component.listeners().toString());
            Listener wildcard = r.component.listeners().get(0);
            assertEquals(List.of(ip("127.0.0.2"), ip("127.0.0.3")), r.component.perAddress(wildcard));
        }
    }

    /** The dual-stack [::] serves IPv4 too: it gets IPv4 sockets as well as IPv6 ones. */
    @Test
    @Tag(IsolatedNetwork.TAG)
    void theDualStackWildcardAnswersFromIpv4AndIpv6Addresses() throws Exception {
        IsolatedNetwork.assumeOnlyLoopback();
        boolean loopbackV6 = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(n -> Collections.list(n.getInetAddresses()).stream())
                .anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress());
        assumeTrue(loopbackV6, "no ::1 on this host");
        try (Responder r = new Responder(2, () -> List.of(ip("::1"), ip("127.0.0.2")),
                "listen", "0.0.0.0:0, [::]:0", "tls-listen", "", "tcp", "false")) {
            Listener wildcard = udp(r);
            assertEquals(ip("::"), wildcard.address().getAddress());
            int port = wildcard.address().getPort();
            assertEquals(List.of(ip("::1"), ip("127.0.0.2")), r.component.perAddress(wildcard));
            assertTrue(answeredConnected(new InetSocketAddress("127.0.0.2", port)));
            assertTrue(answeredConnected(new InetSocketAddress("::1", port)));
        }
    }

    @Test
    void theRealHostAddressesLeaveOutIpv6LinkLocalAndWildcards() {
        List<InetAddress> host = AddressSockets.hostAddresses();
        assertTrue(host.contains(InetAddress.getLoopbackAddress()), host.toString());
        assertTrue(host.stream().noneMatch(a -> a.isAnyLocalAddress() || (a instanceof Inet6Address && a.isLinkLocalAddress())),
                host.toString());
        assertThrows(UnsupportedOperationException.class, () -> host.add(InetAddress.getLoopbackAddress()));
    }
}
