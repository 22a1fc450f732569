package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.gatehouse.core.LogGate;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.message.AddressFamily;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * Allocate (RFC 8656 section 7.2, RFC 6156 and RFC 8656's dual allocations): checks in the RFC's
 * order, a relay port from the pool (even, and the next one reserved, on request), relay sockets
 * bound on the client's event loop, then the answer. A retransmitted Allocate gets the first answer.
 */
final class Allocator {

    private static final int BIND_ATTEMPTS = 8;
    private static final long RESERVATION_NANOS = 30_000_000_000L;
    private static final int PROTOCOL_UDP = 17;

    private record Reservation(InetAddress address, int port, long expiresNanos) {
    }

    private final TurnServer server;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Long, Reservation> reservations = new ConcurrentHashMap<>();
    private final PortShortageLog shortage = new PortShortageLog();
    /** The once-a-minute gate of the bind failure line, per relay address. */
    private final LogGate<InetAddress> bindFailures = new LogGate<>(60, 1024);

    Allocator(TurnServer server) {
        this.server = server;
    }

    void allocate(StunMessage m, StunConnection connection, InetSocketAddress client, Allocation existing,
            Authenticator.Outcome auth) {
        if (existing != null) {
            server.error(m, connection, client, ErrorCode.ALLOCATION_MISMATCH, auth, null);
            return;
        }
        int transportAt = m.find(Attribute.REQUESTED_TRANSPORT);
        if (transportAt < 0 || m.valueLength(transportAt) != 4) {
            server.error(m, connection, client, ErrorCode.BAD_REQUEST, auth, null);
            return;
        }
        if (m.uint32(transportAt) >>> 24 != PROTOCOL_UDP) {
            server.error(m, connection, client, ErrorCode.UNSUPPORTED_TRANSPORT_PROTOCOL, auth, null);
            return;
        }
        int evenAt = m.find(Attribute.EVEN_PORT);
        int tokenAt = m.find(Attribute.RESERVATION_TOKEN);
        int familyAt = m.find(Attribute.REQUESTED_ADDRESS_FAMILY);
        int additionalAt = m.find(Attribute.ADDITIONAL_ADDRESS_FAMILY);
        int lifetimeAt = m.find(Attribute.LIFETIME);
        if ((evenAt >= 0 && m.valueLength(evenAt) < 1) || (tokenAt >= 0 && m.valueLength(tokenAt) != 8)
                || (familyAt >= 0 && m.valueLength(familyAt) < 1) || (additionalAt >= 0 && m.valueLength(additionalAt) < 1)
                || (lifetimeAt >= 0 && m.valueLength(lifetimeAt) != 4)
                || (tokenAt >= 0 && (evenAt >= 0 || familyAt >= 0 || additionalAt >= 0))
                || (familyAt >= 0 && additionalAt >= 0)
                // RFC 8656 7.2 step 8: a reservation of the next port is for one family only.
                || (evenAt >= 0 && additionalAt >= 0 && (m.uint8(evenAt) & 0x80) != 0)
                || (additionalAt >= 0 && m.uint8(additionalAt) != AddressFamily.IPV6)) {
            server.error(m, connection, client, ErrorCode.BAD_REQUEST, auth, null);
            return;
        }
        boolean ipv6 = false;
        if (familyAt >= 0) {
            int family = m.uint8(familyAt);
            if (family != AddressFamily.IPV4 && family != AddressFamily.IPV6) {
                server.error(m, connection, client, ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED, auth, null);
                return;
            }
            ipv6 = family == AddressFamily.IPV6;
        }
        // A RESERVATION-TOKEN is for the port held here next to an allocation made here (RTCP beside
        // RTP): honoured while drained, so that the two halves of one stream stay on one server.
        if (tokenAt < 0 && server.redirected(m, connection, client, auth)) {
            return;
        }
        TurnSettings s = server.settings();
        String quotaUser = server.quotaUser(auth.username());
        if (!server.table.reserve(quotaUser, s.userQuota(), s.totalQuota())) {
            server.counters.quotaRejections.increment();
            server.error(m, connection, client, ErrorCode.ALLOCATION_QUOTA_REACHED, auth, null);
            return;
        }
        Reservation reserved = null;
        if (tokenAt >= 0) {
            reserved = reservations.remove(m.buffer().getLong(m.valueOffset(tokenAt)));
            if (reserved != null && reserved.expiresNanos - System.nanoTime() <= 0) {
                // Expired, not yet swept (the sweep runs once a second): its port goes back now.
                server.ports.release(reserved.address, reserved.port);
                reserved = null;
            }
            if (reserved == null) {
                server.table.release(quotaUser);
                server.error(m, connection, client, ErrorCode.INSUFFICIENT_CAPACITY, auth, null);
                return;
            }
            ipv6 = reserved.address instanceof Inet6Address;
        }
        InetAddress local = connection.localAddress() == null ? null : connection.localAddress().getAddress();
        InetAddress relayIp = reserved != null ? reserved.address : server.relays().relayFor(ipv6, local);
        if (relayIp == null) {
            server.table.release(quotaUser);
            server.error(m, connection, client, ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED, auth, null);
            return;
        }
        boolean even = evenAt >= 0;
        boolean reserveNext = even && (m.uint8(evenAt) & 0x80) != 0;
        long requestedLifetime = lifetimeAt < 0 ? -1 : Integer.toUnsignedLong(m.uint32(lifetimeAt));

        Allocation a = new Allocation(server.nextId(), auth.username(), auth.realm(), quotaUser, connection, client,
                server.wheel(connection.eventLoop()), server, m.has(Attribute.DONT_FRAGMENT));
        server.table.put(a);
        if (!server.allocating()) {
            // TURN went off (or stopped) as this request passed the dispatcher, after every allocation
            // in the table was ended: this one is not left relaying with nothing to refresh it.
            server.end(a, "TURN turned off");
            if (reserved != null) {
                server.ports.release(reserved.address, reserved.port);
            }
            server.error(m, connection, client, ErrorCode.INSUFFICIENT_CAPACITY, auth, null);
            return;
        }
        server.madeWhileDraining();
        // The request's buffer is gone once this call returns: keep what the answer needs.
        Pending p = new Pending(a, m, auth, ipv6, additionalAt >= 0, requestedLifetime, reserveNext);
        Consumer<Relay> then = relay -> {
            if (relay == null) {
                fail(p, ErrorCode.INSUFFICIENT_CAPACITY);
                return;
            }
            if (p.ipv6) {
                a.v6 = relay;
            } else {
                a.v4 = relay;
            }
            if (p.additional) {
                InetAddress v6 = server.relays().relayFor(true, local);
                if (v6 == null) {
                    p.addressError = ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED;
                    succeed(p);
                    return;
                }
                bind(a, v6, false, false, 0, r6 -> {
                    if (r6 == null) {
                        p.addressError = ErrorCode.INSUFFICIENT_CAPACITY;
                    } else {
                        a.v6 = r6;
                    }
                    succeed(p);
                });
                return;
            }
            succeed(p);
        };
        if (reserved != null) {
            bindPort(a, relayIp, reserved.port, then);
        } else {
            bind(a, relayIp, even, reserveNext, 0, then);
        }
    }

    /** What the answer needs from the request, copied: the request's buffer is released after the call. */
    private static final class Pending {
        final Allocation allocation;
        final byte[] request;
        final Authenticator.Outcome auth;
        final boolean ipv6;
        final boolean additional;
        final long requestedLifetime;
        final boolean reserveNext;
        long token;
        int addressError;

        Pending(Allocation allocation, StunMessage m, Authenticator.Outcome auth, boolean ipv6, boolean additional,
                long requestedLifetime, boolean reserveNext) {
            this.allocation = allocation;
            this.request = new byte[m.size()];
            m.buffer().getBytes(m.start(), request);
            this.auth = auth;
            this.ipv6 = ipv6;
            this.additional = additional;
            this.requestedLifetime = requestedLifetime;
            this.reserveNext = reserveNext;
        }

        StunMessage message() {
            StunMessage m = new StunMessage();
            m.parse(io.netty.buffer.Unpooled.wrappedBuffer(request));
            return m;
        }
    }

    /** Takes a port from the pool and binds it, trying other ports when another program holds one. */
    private void bind(Allocation a, InetAddress ip, boolean even, boolean reserveNext, int attempt, Consumer<Relay> done) {
        TurnSettings s = server.settings();
        if (attempt >= BIND_ATTEMPTS) {
            done.accept(null);
            return;
        }
        int port = server.ports.acquire(ip, s.minPort(), s.maxPort(), even, reserveNext);
        if (port < 0) {
            shortage.refused(ip, s.minPort(), s.maxPort());
            done.accept(null);
            return;
        }
        open(a, ip, port, (relay, cause) -> {
            if (relay != null) {
                if (reserveNext) {
                    long token = random.nextLong();
                    reservations.put(token, new Reservation(ip, port + 1, System.nanoTime() + RESERVATION_NANOS));
                    a.reservationToken = token;
                }
                done.accept(relay);
                return;
            }
            server.ports.release(ip, port);
            if (reserveNext) {
                server.ports.release(ip, port + 1);
            }
            if (cause instanceof DontFragmentRefused) {
                // Every port alike: the allocation gets its error at once.
                done.accept(null);
                return;
            }
            // Another program on that port: another port may do. Anything else (the address gone from
            // this host, say) fails on every port alike, and only the log can tell the operator.
            boolean inUse = cause != null && String.valueOf(cause.getMessage()).contains("in use");
            if (!inUse || attempt + 1 >= BIND_ATTEMPTS) {
                bindFailed(ip, cause);
                if (!inUse) {
                    done.accept(null);
                    return;
                }
            }
            TurnServer.LOG.debug("TURN: relay port {}:{} not bound ({}), trying another", IpAddresses.format(ip), port, cause);
            bind(a, ip, even, reserveNext, attempt + 1, done);
        });
    }

    /** Logs that no relay socket could be bound on {@code ip}: once a minute per address, however many Allocates fail. */
    private void bindFailed(InetAddress ip, Throwable cause) {
        if (bindFailures.due(ip) > 0) {
            TurnServer.LOG.warn("TURN: cannot bind a relay socket on {} ({}): Allocate is answered 508 ({} relay-ip{}; "
                    + "not logged again for a minute)", IpAddresses.format(ip), cause, server.settings().source(),
                    server.settings().relayIps().isEmpty() ? " not set: the address the request arrived on" : "");
        }
    }

    /** A reserved port: bound as it is, or not at all. */
    private void bindPort(Allocation a, InetAddress ip, int port, Consumer<Relay> done) {
        server.ports.binding(ip, port);
        open(a, ip, port, (relay, cause) -> {
            if (relay == null) {
                server.ports.release(ip, port);
            }
            done.accept(relay);
        });
    }

    /** Linux's IP_MTU_DISCOVER / IPV6_MTU_DISCOVER (bits/in.h, linux/in6.h) and their "do": the DF bit set, never fragmented here. */
    private static final IntegerUnixChannelOption IP_MTU_DISCOVER = new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
    private static final IntegerUnixChannelOption IPV6_MTU_DISCOVER = new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
    private static final int PMTUDISC_DO = 2;

    /**
     * DONT-FRAGMENT (RFC 8656 7.2 step 4): datagrams to peers leave with DF set and are never split
     * here; one larger than the path MTU is dropped (the kernel refuses it) instead of fragmented.
     * Possible on the native transport only; without it the attribute is not understood (420).
     */
    static boolean dontFragment(Channel relay, InternetProtocolFamily family) {
        return relay.config().setOption(family == InternetProtocolFamily.IPv6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, PMTUDISC_DO);
    }

    /** Not a bind failure: the socket bound, but DF could not be set on it. */
    private static final class DontFragmentRefused extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        DontFragmentRefused() {
            super("cannot set don't-fragment on the relay socket");
        }
    }

    private interface Opened {
        void accept(Relay relay, Throwable cause);
    }

    /** Binds one relay socket on the allocation's event loop; whatever arrives on it goes to the allocation. */
    private void open(Allocation a, InetAddress ip, int port, Opened then) {
        InternetProtocolFamily family = ip instanceof Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        ChannelFuture f = server.loops.exclusiveDatagramBootstrap(family).clone(a.connection.eventLoop())
                .handler(new PeerHandler(a)).bind(ip, port);
        f.addListener(done -> {
            EventLoop loop = a.connection.eventLoop();
            if (!loop.inEventLoop()) {
                // A socket that could not even be made (EMFILE, no IPv6 on the host) fails on Netty's
                // global executor: the allocation and its timer wheel are its own loop's alone.
                loop.execute(() -> opened(a, f, family, ip, port, then));
                return;
            }
            opened(a, f, family, ip, port, then);
        });
    }

    private void opened(Allocation a, ChannelFuture f, InternetProtocolFamily family, InetAddress ip, int port, Opened then) {
        if (!f.isSuccess()) {
            f.channel().close();
            then.accept(null, f.cause());
            return;
        }
        Channel ch = f.channel();
        if (a.dontFragment) {
            boolean set;
            try {
                set = dontFragment(ch, family);
            } catch (RuntimeException e) {
                set = false;
            }
            if (!set) {
                // Refused like a port that cannot be bound: the allocation gets its error, nothing stays held.
                ch.close();
                then.accept(null, new DontFragmentRefused());
                return;
            }
        }
        InetSocketAddress advertised = new InetSocketAddress(server.relays().advertised(ip), port);
        then.accept(new Relay(ch, ip, port, advertised), null);
    }

    private void succeed(Pending p) {
        Allocation a = p.allocation;
        if (a.ended) {
            // Killed, or its TCP connection closed, while binding: end() gave back what existed then.
            for (boolean six : new boolean[] {false, true}) {
                closeRelay(a, six);
            }
            return;
        }
        StunMessage m = p.message();
        TurnSettings s = server.settings();
        int lifetime = s.allocationLifetime(p.requestedLifetime);
        a.refreshRelays(null, a.wheel.now() + lifetime);
        a.ready = true;
        server.counters.allocationsCreated.increment();
        StunConnection c = a.connection;
        ByteBuf out = c.alloc().ioBuffer(192);
        StunWriter w = Answers.success(out, m);
        if (a.v4 != null) {
            w.address(Attribute.XOR_RELAYED_ADDRESS, a.v4.advertised);
        }
        if (a.v6 != null) {
            w.address(Attribute.XOR_RELAYED_ADDRESS, a.v6.advertised);
        }
        w.uint32(Attribute.LIFETIME, lifetime);
        if (p.reserveNext) {
            byte[] token = new byte[8];
            for (int i = 0; i < 8; i++) {
                token[i] = (byte) (a.reservationToken >>> (56 - 8 * i));
            }
            w.bytes(Attribute.RESERVATION_TOKEN, token);
        }
        w.address(Attribute.XOR_MAPPED_ADDRESS, a.client);
        if (p.addressError != 0) {
            Answers.addressError(w, AddressFamily.IPV6, p.addressError);
        }
        Answers.finish(w, m, p.auth);
        server.answer(m, c, a.client, out, a);
        c.flush();
        TurnServer.LOG.info("TURN: allocation {} for {} from {} {}: relayed at {}{}, lifetime {} s", a.id, a.user,
                c.protocol(), IpAddresses.format(a.client), a.relayedAddresses(), a.dontFragment ? " (don't fragment)" : "", lifetime);
    }

    private void fail(Pending p, int code) {
        Allocation a = p.allocation;
        StunMessage m = p.message();
        server.end(a, "no relay port");
        server.error(m, a.connection, a.client, code, p.auth, null);
        a.connection.flush();
    }

    /**
     * One family of a dual allocation ends ({@code why}: deleted by a Refresh naming it, or its own
     * lifetime ran out); the other family's relay goes on.
     */
    void endFamily(Allocation a, boolean ipv6, String why) {
        Relay r = a.relay(ipv6);
        Relay other = a.relay(!ipv6);
        if (r == null || other == null) {
            return;
        }
        closeRelay(a, ipv6);
        TurnServer.LOG.info("TURN: allocation {} of {}: {} relay {} {}; {} relay {} goes on", a.id, a.user, ipv6 ? "IPv6" : "IPv4",
                IpAddresses.format(r.advertised), why, ipv6 ? "IPv4" : "IPv6", IpAddresses.format(other.advertised));
    }

    /** Closes one relay socket of {@code a} and gives its port back (to rest). */
    void closeRelay(Allocation a, boolean ipv6) {
        Relay r = a.relay(ipv6);
        if (r == null) {
            return;
        }
        r.channel.close();
        server.ports.release(r.bound, r.port);
        if (ipv6) {
            a.v6 = null;
        } else {
            a.v4 = null;
        }
    }

    int reservations() {
        return reservations.size();
    }

    void expireReservations() {
        long now = System.nanoTime();
        for (Map.Entry<Long, Reservation> e : reservations.entrySet()) {
            Reservation r = e.getValue();
            // Released only by the one that removes it: an Allocate taking the token at this moment keeps its port.
            if (r.expiresNanos - now <= 0 && reservations.remove(e.getKey(), r)) {
                server.ports.release(r.address, r.port);
            }
        }
    }

    /** Datagrams from peers at one relay socket. */
    private static final class PeerHandler extends ChannelInboundHandlerAdapter {

        private final Allocation allocation;

        PeerHandler(Allocation allocation) {
            this.allocation = allocation;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            try {
                allocation.fromPeer(packet);
            } finally {
                packet.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ClientFlusher.flushSoon(allocation.connection, ctx.channel().eventLoop());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP unreachable from a peer and the like: nothing to do for a relay socket.
            TurnServer.LOG.debug("TURN: relay {} of allocation {}: {}", ctx.channel().localAddress(), allocation.id, cause.toString());
        }
    }
}
