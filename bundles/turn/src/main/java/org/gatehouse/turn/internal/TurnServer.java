package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ChannelData;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;
import org.gatehouse.turn.AllocationInfo;
import org.gatehouse.turn.CredentialSource;
import org.gatehouse.turn.Draining;
import org.gatehouse.turn.TurnStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TURN server behind the STUN responder's dispatch point (RFC 8656): Refresh, CreatePermission,
 * ChannelBind, Send and ChannelData here, Allocate in {@link Allocator}. Every configuration value
 * is read per request from the settings in force, so a change applies to the next request and no
 * allocation is touched by it, except permissions to peers the new policy denies.
 */
final class TurnServer implements TurnHandler {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.turn");

    /** RFC 5780's attributes belong to Binding; in a TURN request they are unknown. */
    private static final IntPredicate UNDERSTOOD = t -> Attribute.isKnown(t)
            && t != Attribute.CHANGE_REQUEST && t != Attribute.RESPONSE_PORT && t != Attribute.PADDING;

    /** What this server understands: DONT-FRAGMENT only where it can set DF (the native transport). */
    private final IntPredicate understood;
    final EventLoops loops;
    final Counters counters = new Counters();
    /** Held while an allocation ends and while statistics are taken, so that a scrape counts its traffic once. */
    private final Object statisticsLock = new Object();
    final AllocationTable table = new AllocationTable();
    final PortPool ports = new PortPool();
    final Authenticator authenticator;
    final UnauthenticatedLimiter limiter;
    final Allocator allocator = new Allocator(this);
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<EventLoop, Wheel> wheels = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> housekeeping;
    /** Looks at the user file: off the I/O threads, as a read from a disk or share that hangs would hold them. */
    private final java.util.concurrent.ScheduledFuture<?> userFileCheck;
    private long housekeepingRuns;

    private volatile TurnSettings settings;
    private volatile PeerPolicy policy;
    private volatile RelayAddresses relays;
    private volatile UserFile users;
    private volatile RestSecret rest;
    /** Set while the relay is drained (turn:drain): new Allocate requests are sent elsewhere. */
    private volatile DrainState drain;
    /** Which alternate-server of each family (IPv4, IPv6) the next turned-away Allocate is given (round robin). */
    private final AtomicInteger[] nextAlternate = {new AtomicInteger(), new AtomicInteger()};

    /** Since when the relay is drained, the redirect count then, and whether "drained" was logged. */
    private record DrainState(Instant since, long redirectedBefore, AtomicBoolean announced) {
    }

    TurnServer(EventLoops loops, TurnSettings settings, ScheduledExecutorService background) {
        this.loops = loops;
        boolean dontFragment = loops.nativeUnavailableReason().isEmpty();
        this.understood = t -> UNDERSTOOD.test(t) && (dontFragment || t != Attribute.DONT_FRAGMENT);
        this.users = new UserFile(settings.userdb());
        this.users.refresh();
        this.limiter = new UnauthenticatedLimiter(settings.unauthenticatedRate());
        this.authenticator = new Authenticator(authConfig(settings));
        try {
            apply(settings);
        } catch (InvalidSettingException impossible) {
            throw new IllegalStateException(impossible); // only a change of userdb is refused
        }
        this.housekeeping = loops.group().next().scheduleAtFixedRate(this::housekeeping, 1, 1, TimeUnit.SECONDS);
        this.userFileCheck = background.scheduleWithFixedDelay(this::checkUserFile, 2, 2, TimeUnit.SECONDS);
    }

    // ---- configuration

    /**
     * Puts {@code s} in force. A new user file that is refused, or that does not exist while users
     * are in force, refuses the whole change: the users in force keep their allocations.
     */
    synchronized void apply(TurnSettings s) throws InvalidSettingException {
        TurnSettings before = settings;
        if (before != null && !before.userdb().equals(s.userdb())) {
            UserFile next = new UserFile(s.userdb());
            if (!Files.exists(s.userdb()) && users.count() > 0) {
                throw new InvalidSettingException(s.source(), "userdb", s.userdb(), "names no file; the " + users.count()
                        + " user(s) of " + users.path() + " stay in force");
            }
            if (!next.refresh()) {
                throw new InvalidSettingException(s.source(), "userdb", s.userdb(), "is refused (the line above says why); the "
                        + users.count() + " user(s) of " + users.path() + " stay in force");
            }
            users = next;
        }
        rest = s.useAuthSecret() ? new RestSecret(s.staticAuthSecrets(), s.restSeparator()) : null;
        PeerPolicy newPolicy = PeerPolicy.of(s, ports::held);
        RelayAddresses newRelays = RelayAddresses.of(s);
        settings = s;
        relays = newRelays;
        policy = newPolicy;
        limiter.rate(s.unauthenticatedRate());
        authenticator.config(authConfig(s));
        if (before != null) {
            // Any part of the policy may have changed: the ranges, restricted, this host's addresses
            // (relay-ip, external-ip). Channels to another allocation's relay stay, whatever the port range.
            enforce(newPolicy);
        }
        LOG.info("TURN: realm {}, relay addresses {}, ports {}-{}, credentials from {}", s.realm(), newRelays,
                s.minPort(), s.maxPort(), describeSources(s));
        if (before == null || !before.realm().equals(s.realm()) || !before.userdb().equals(s.userdb())) {
            warnIfNobodyCanLogIn(s);
        }
    }

    private String describeSources(TurnSettings s) {
        int others = users.otherRealms(s.realm()).values().stream().mapToInt(Integer::intValue).sum();
        String file = users.path() + " (" + users.count(s.realm()) + " users" + (others == 0 ? "" : ", " + others
                + " line(s) for other realms") + ")";
        return s.useAuthSecret() ? "the REST API secret and " + file : file;
    }

    /**
     * A line's key is made with its realm (the line names it): after a realm change the users of the
     * old one are still in the file but cannot log in, and nothing else would say so.
     */
    private void warnIfNobodyCanLogIn(TurnSettings s) {
        java.util.SortedMap<String, Integer> others = users.otherRealms(s.realm());
        if (users.count(s.realm()) == 0 && !others.isEmpty()) {
            LOG.warn("TURN: {}: realm = '{}' leaves no user of {} able to log in: its {} user(s) have lines for realm(s) {} "
                    + "only, whose keys are made with that realm; add them again with turn:user-add (or set the realm back)",
                    s.source(), s.realm(), users.path(), users.count(), String.join(", ", others.keySet()));
        }
    }

    private Authenticator.Config authConfig(TurnSettings s) {
        List<CredentialSource> sources = new ArrayList<>(2);
        RestSecret r = s.useAuthSecret() ? new RestSecret(s.staticAuthSecrets(), s.restSeparator()) : null;
        if (r != null) {
            sources.add(r);
        }
        sources.add(users);
        return new Authenticator.Config(s.realm(), List.copyOf(sources), s.staleNonce());
    }

    TurnSettings settings() {
        return settings;
    }

    PeerPolicy policy() {
        return policy;
    }

    /**
     * This host's addresses are looked at again (every 10 s): a new one is reachable at relay ports only
     * from then on, and a channel already bound to one of its services (an address that moved here,
     * a virtual address taken over) is removed.
     */
    synchronized void refreshOwnAddresses() {
        PeerPolicy before = policy;
        policy = before.withOwnAddresses(settings);
        if (policy != before) {
            enforce(policy);
        }
    }

    /** Every allocation's permissions and channels that {@code p} denies are removed, each on its own loop. */
    private void enforce(PeerPolicy p) {
        for (Allocation a : table.byId.values()) {
            onLoop(a.connection.eventLoop(), () -> {
                int removed = a.enforce(p);
                if (removed > 0) {
                    LOG.info("TURN: allocation {}: {} permission(s)/channel(s) to peers now denied removed", a.id, removed);
                }
            });
        }
    }

    RelayAddresses relays() {
        return relays;
    }

    UserFile users() {
        return users;
    }

    long maxBps() {
        return settings.maxBps();
    }

    /** The user a quota counts: the application's user inside a REST API user name. */
    String quotaUser(String username) {
        RestSecret r = rest;
        return r != null && r.expiry(username) >= 0 ? r.user(username) : username;
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    Wheel wheel(EventLoop loop) {
        Wheel w = wheels.computeIfAbsent(loop, Wheel::new);
        if (closed) {
            // Made by an Allocate that passed the dispatcher as TURN stopped: it ticks for nothing.
            w.stop();
        }
        return w;
    }

    /**
     * Whether an Allocate may make an allocation: not while TURN is off or stopped. An Allocate already
     * past the dispatcher when that happened ends the allocation it made itself ({@link Allocator}).
     */
    private volatile boolean allocating = true;
    private volatile boolean closed;

    boolean allocating() {
        return allocating;
    }

    /** TURN on or off (enabled in the file): off, every allocation ends, those still binding their relay too. */
    int allocating(boolean on, String reason) {
        allocating = on;
        return on ? 0 : endAll(reason);
    }

    /** Ends every allocation on its own loop, those still binding their relay too; returns how many were relaying. */
    private int endAll(String reason) {
        int relaying = 0;
        for (Allocation a : table.byId.values()) {
            if (a.ready && !a.ended) {
                relaying++;
            }
            onLoop(a.connection.eventLoop(), () -> end(a, reason));
        }
        return relaying;
    }

    private void housekeeping() {
        housekeepingRuns++;
        allocator.expireReservations();
        if (housekeepingRuns % 60 == 0) {
            limiter.sweep();
        }
    }

    private void checkUserFile() {
        try {
            if (users.refresh()) {
                usersChanged();
            }
        } catch (RuntimeException e) {
            LOG.error("TURN: checking user file {} failed", users.path(), e); // and the next look tries again
        }
    }

    /** Users were added or removed through the shell: the file is already re-read. */
    synchronized void usersChanged() {
        // Under apply's lock: a configuration built from the settings read just before a change
        // would otherwise be put in force after it, and undo it until the next look.
        authenticator.config(authConfig(settings));
    }

    void close() {
        housekeeping.cancel(false);
        userFileCheck.cancel(false);
        // Allocations ended by stopping are no sign that stopping would end none.
        endDraining();
        closed = true;
        allocating(false, "TURN stopped");
        wheels.values().forEach(Wheel::stop);
    }

    // ---- dispatch

    @Override
    public void onMessage(StunMessage m, StunConnection connection, InetSocketAddress client) {
        if (!m.hasMagicCookie()) {
            // An RFC 3489 message: Binding only (the responder's), nothing TURN defines (RFC 8656 and 8489 6.3).
            counters.dropped.increment();
            return;
        }
        Allocation a = table.get(connection, client);
        if (a == null) {
            Allocation moved = table.throughWildcard(connection, client);
            if (moved != null) {
                handOver(m.buffer().retainedSlice(m.start(), m.buffer().writerIndex() - m.start()), moved, client, false);
                return;
            }
        }
        if (m.messageClass() == MessageClass.INDICATION) {
            // An indication with an attribute it must understand and does not is discarded (RFC 8489 6.3.2).
            if (m.method() == Method.SEND && m.unknownComprehensionRequired(new int[1], understood) == 0) {
                send(m, a);
            } else {
                counters.dropped.increment();
            }
            return;
        }
        if (a != null) {
            if (!a.ready) {
                return; // a retransmission while the relay is being bound; the answer follows
            }
            byte[] again = a.answered(m);
            if (again != null) {
                connection.send(connection.alloc().ioBuffer(again.length).writeBytes(again), client);
                return;
            }
        }
        Authenticator.Outcome auth = authenticate(m, connection, client, a);
        if (auth == null) {
            return;
        }
        // After authentication (RFC 8489 6.3.1): the 420 is signed, as clients discard an unsigned
        // answer, and nobody unauthenticated gets more than the rate-limited 401.
        int[] unknown = new int[8];
        int n = m.unknownComprehensionRequired(unknown, understood);
        if (n > 0) {
            ByteBuf out = connection.alloc().ioBuffer(128 + 2 * n);
            StunWriter w = Answers.error(out, m, ErrorCode.UNKNOWN_ATTRIBUTE).unknownAttributes(unknown, n);
            Answers.finish(w, m, auth);
            counters.errorAnswers.increment();
            connection.send(out, client);
            return;
        }
        switch (m.method()) {
            case Method.ALLOCATE:
                allocator.allocate(m, connection, client, a, auth);
                return;
            case Method.REFRESH:
            case Method.CREATE_PERMISSION:
            case Method.CHANNEL_BIND:
                if (a == null) {
                    error(m, connection, client, ErrorCode.ALLOCATION_MISMATCH, auth, null);
                } else if (!a.user.equals(auth.username())) {
                    error(m, connection, client, ErrorCode.WRONG_CREDENTIALS, auth, null);
                } else if (m.method() == Method.REFRESH) {
                    refresh(m, a, auth);
                } else if (m.method() == Method.CREATE_PERMISSION) {
                    createPermission(m, a, auth);
                } else {
                    channelBind(m, a, auth);
                }
                return;
            default:
                // Connect and ConnectionBind (RFC 6062, TCP relaying) are not offered.
                error(m, connection, client, ErrorCode.BAD_REQUEST, auth, null);
        }
    }

    /**
     * The long-term credential check; null when it already answered (or dropped) the request. On an
     * existing allocation the realm is the one it was made in (a realm changed since applies to new
     * allocations).
     */
    private Authenticator.Outcome authenticate(StunMessage m, StunConnection connection, InetSocketAddress client, Allocation a) {
        long now = System.currentTimeMillis() / 1000;
        Authenticator.Config c = authenticator.config();
        String realm = a != null ? a.realm : c.realm();
        Authenticator.Outcome auth = authenticator.check(m, client, now, realm);
        if (auth.ok()) {
            return auth;
        }
        if (auth.error() == ErrorCode.BAD_REQUEST) {
            error(m, connection, client, ErrorCode.BAD_REQUEST, null, null);
            return null;
        }
        if (m.hasIntegrity() || m.hasIntegritySha256()) {
            if (auth.error() == ErrorCode.UNAUTHENTICATED) {
                counters.authFailures.increment();
            }
        }
        if (!limiter.tryAcquire(client.getAddress())) {
            counters.unauthenticatedLimited.increment();
            return null;
        }
        ByteBuf out = connection.alloc().ioBuffer(160);
        StunWriter w = Answers.error(out, m, auth.error())
                .string(Attribute.REALM, realm)
                .string(Attribute.NONCE, authenticator.nonce(client, now))
                .bytes(Attribute.PASSWORD_ALGORITHMS, Authenticator.passwordAlgorithms(c.sha256()));
        Answers.finish(w, m, null);
        counters.errorAnswers.increment();
        connection.send(out, client);
        return null;
    }

    void error(StunMessage m, StunConnection connection, InetSocketAddress client, int code, Authenticator.Outcome auth,
            Allocation remember) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("TURN: {} from {} {} answered {} {}", Method.name(m.method()), connection.protocol(),
                    IpAddresses.format(client), code, ErrorCode.reason(code));
        }
        ByteBuf out = connection.alloc().ioBuffer(128);
        StunWriter w = Answers.error(out, m, code);
        Answers.finish(w, m, auth);
        counters.errorAnswers.increment();
        answer(m, connection, client, out, remember);
    }

    /** Sends an answer, remembering it for retransmissions of the same transaction. */
    void answer(StunMessage m, StunConnection connection, InetSocketAddress client, ByteBuf out, Allocation remember) {
        if (remember != null) {
            remember.rememberAnswer(m, out, out.readerIndex(), out.readableBytes());
        }
        connection.send(out, client);
    }

    // ---- Refresh, CreatePermission, ChannelBind

    private void refresh(StunMessage m, Allocation a, Authenticator.Outcome auth) {
        int familyAt = m.find(Attribute.REQUESTED_ADDRESS_FAMILY);
        Boolean ipv6 = null;
        if (familyAt >= 0) {
            if (m.valueLength(familyAt) < 1) {
                error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
                return;
            }
            int family = m.uint8(familyAt);
            ipv6 = family == 2;
            if ((family != 1 && family != 2) || a.relay(ipv6) == null) {
                error(m, a.connection, a.client, ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, auth, a);
                return;
            }
        }
        int lifetimeAt = m.find(Attribute.LIFETIME);
        if (lifetimeAt >= 0 && m.valueLength(lifetimeAt) != 4) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return;
        }
        long requested = lifetimeAt < 0 ? -1 : Integer.toUnsignedLong(m.uint32(lifetimeAt));
        long now = a.wheel.now();
        int granted = requested == 0 ? 0 : settings.allocationLifetime(requested);
        ByteBuf out = a.connection.alloc().ioBuffer(96);
        StunWriter w = Answers.success(out, m).uint32(Attribute.LIFETIME, granted);
        Answers.finish(w, m, auth);
        answer(m, a.connection, a.client, out, a);
        if (granted == 0) {
            if (ipv6 != null && a.relay(!ipv6) != null) {
                allocator.endFamily(a, ipv6, "deleted by the client");
                a.relayExpiriesChanged();
            } else {
                end(a, "deleted by the client");
            }
            return;
        }
        a.refreshRelays(ipv6, now + granted);
    }

    /**
     * XOR-PEER-ADDRESS at {@code index} if the policy lets this allocation reach it (its address; and its
     * port too when {@code withPort}: a channel, not a permission); else answers and null.
     */
    private InetSocketAddress peer(StunMessage m, int index, Allocation a, Authenticator.Outcome auth, boolean withPort) {
        InetSocketAddress peer = m.address(index);
        if (peer == null) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return null;
        }
        boolean ipv6 = m.addressFamily(index) == 2;
        if (a.relay(ipv6) == null) {
            error(m, a.connection, a.client, ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, auth, a);
            return null;
        }
        // An IPv6 attribute holding a mapped IPv4 address decodes to IPv4: the policy judges it as such,
        // but an IPv6 relay cannot send to it.
        if (ipv6 != !(peer.getAddress() instanceof java.net.Inet4Address)
                || !(withPort ? policy.permits(peer) : policy.permits(peer.getAddress()))) {
            counters.deniedPeers.increment();
            LOG.debug("TURN: allocation {} ({}): peer {} denied ({})", a.id, a.user, IpAddresses.format(peer),
                    withPort ? policy.verdict(peer) : policy.verdict(peer.getAddress()));
            error(m, a.connection, a.client, ErrorCode.FORBIDDEN, auth, a);
            return null;
        }
        return peer;
    }

    private void createPermission(StunMessage m, Allocation a, Authenticator.Outcome auth) {
        List<InetAddress> peers = new ArrayList<>(2);
        for (int i = 0; i < m.attributeCount(); i++) {
            if (m.attributeType(i) == Attribute.XOR_PEER_ADDRESS) {
                InetSocketAddress peer = peer(m, i, a, auth, false);
                if (peer == null) {
                    return;
                }
                peers.add(peer.getAddress());
            }
        }
        if (peers.isEmpty()) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return;
        }
        if (a.permissionsFull(peers)) {
            LOG.debug("TURN: allocation {} ({}): more than {} peers with permissions refused", a.id, a.user, Allocation.MAX_PERMISSIONS);
            error(m, a.connection, a.client, ErrorCode.INSUFFICIENT_CAPACITY, auth, a);
            return;
        }
        long expires = a.wheel.now() + settings.permissionLifetime();
        for (InetAddress p : peers) {
            a.permit(p, expires);
        }
        ByteBuf out = a.connection.alloc().ioBuffer(64);
        Answers.finish(Answers.success(out, m), m, auth);
        answer(m, a.connection, a.client, out, a);
    }

    private void channelBind(StunMessage m, Allocation a, Authenticator.Outcome auth) {
        int numberAt = m.find(Attribute.CHANNEL_NUMBER);
        int peerAt = m.find(Attribute.XOR_PEER_ADDRESS);
        if (numberAt < 0 || peerAt < 0 || m.valueLength(numberAt) != 4) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return;
        }
        int number = m.uint32(numberAt) >>> 16;
        if (!ChannelData.isValidChannel(number)) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return;
        }
        InetSocketAddress peer = peer(m, peerAt, a, auth, true);
        if (peer == null) {
            return;
        }
        ChannelBinding byNumber = a.channel(number);
        ChannelBinding byPeer = a.channelFor(peer);
        if ((byNumber != null && !byNumber.peer.equals(peer)) || (byPeer != null && byPeer.number != number)) {
            error(m, a.connection, a.client, ErrorCode.BAD_REQUEST, auth, a);
            return;
        }
        // A bound channel refreshed may need its permission again (expired meanwhile): the cap holds for it too.
        if (byNumber == null && a.channelCount() >= Allocation.MAX_CHANNELS || a.permissionsFull(List.of(peer.getAddress()))) {
            error(m, a.connection, a.client, ErrorCode.INSUFFICIENT_CAPACITY, auth, a);
            return;
        }
        long now = a.wheel.now();
        TurnSettings s = settings;
        a.bind(number, peer, now + s.channelLifetime(), policy.ownAddress(peer.getAddress()));
        a.permit(peer.getAddress(), now + s.permissionLifetime());
        ByteBuf out = a.connection.alloc().ioBuffer(64);
        Answers.finish(Answers.success(out, m), m, auth);
        answer(m, a.connection, a.client, out, a);
    }

    // ---- data from the client

    private void send(StunMessage m, Allocation a) {
        int peerAt = m.find(Attribute.XOR_PEER_ADDRESS);
        int dataAt = m.find(Attribute.DATA);
        if (a == null || !a.ready || peerAt < 0 || dataAt < 0) {
            counters.dropped.increment();
            return;
        }
        InetSocketAddress peer = m.address(peerAt);
        if (peer == null || !a.permitted(peer.getAddress(), a.wheel.now())) {
            counters.dropped.increment();
            return;
        }
        if (policy.ownService(peer)) {
            // A permitted address of this host, at a port outside the relay range: its own services.
            counters.deniedPeers.increment();
            return;
        }
        a.toPeer(peer, m.buffer(), m.valueOffset(dataAt), m.valueLength(dataAt));
    }

    @Override
    public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client) {
        Allocation a = table.get(connection, client);
        if (a == null) {
            Allocation moved = table.throughWildcard(connection, client);
            if (moved != null) {
                handOver(frame.retainedSlice(), moved, client, true);
                return;
            }
        }
        if (a == null || !a.ready) {
            counters.dropped.increment();
            return;
        }
        ChannelBinding b = a.channel(ChannelData.channel(frame));
        long now = a.wheel.now();
        if (b == null || b.expires <= now || !a.permitted(b.peer.getAddress(), now)) {
            counters.dropped.increment();
            return;
        }
        if (b.ownAddress && policy.ownService(b.peer)) {
            // Bound to another allocation's relay, which has ended: its port may be another program's now.
            counters.deniedPeers.increment();
            return;
        }
        a.toPeer(b.peer, frame, frame.readerIndex() + ChannelData.HEADER_LENGTH, ChannelData.dataLength(frame));
    }

    /**
     * A datagram of {@code client} for allocation {@code a}, made through a UDP wildcard socket, that
     * arrived on the socket its address got since ({@link AllocationTable#throughWildcard}): handled as
     * if it had come through the wildcard, on that socket's event loop (the allocation's thread), so
     * the allocation keeps its 5-tuple and its client's answers leave as before. {@code datagram} is
     * released here.
     */
    private void handOver(ByteBuf datagram, Allocation a, InetSocketAddress client, boolean channelData) {
        StunConnection wildcard = a.connection;
        boolean queued = onLoop(wildcard.eventLoop(), () -> {
            try {
                if (a.ended) {
                    // Ended meanwhile (its wildcard socket closed, say): handled through that socket, an
                    // Allocate would make an allocation no datagram can reach. Its retransmission comes
                    // through the socket it was sent to, and is handled there.
                    counters.dropped.increment();
                    return;
                }
                if (channelData) {
                    onChannelData(datagram, wildcard, client);
                } else {
                    StunMessage m = new StunMessage();
                    if (m.parse(datagram) == ParseResult.OK) {
                        onMessage(m, wildcard, client);
                    }
                }
                wildcard.flush();
            } finally {
                datagram.release();
            }
        });
        if (!queued) {
            datagram.release();
        }
    }

    /** Runs {@code task} on {@code loop}; false when the loop is shutting down (the server stopping). */
    private static boolean onLoop(EventLoop loop, Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException stopping) {
            return false;
        }
    }

    @Override
    public boolean holdsAllocation(StunConnection connection) {
        return connection.isStream() && table.stream(connection) != null;
    }

    @Override
    public void onClosed(StunConnection connection) {
        if (connection.isStream()) {
            Allocation a = table.stream(connection);
            if (a != null) {
                end(a, "connection closed");
            }
            return;
        }
        // A UDP listener socket closed: the 5-tuples through it are gone, and their clients' next
        // Refresh, on another socket, would not find them; their relay ports and quota come back now.
        for (Allocation a : table.datagrams(connection)) {
            end(a, "listener closed");
        }
    }

    ByteBuf dataIndication(StunConnection connection, InetSocketAddress peer, ByteBuf data) {
        return Answers.dataIndication(connection, peer, data);
    }

    // ---- the end of an allocation

    /** Ends {@code a} on its loop: relay sockets closed, ports resting, quota given back, one log line. */
    void end(Allocation a, String reason) {
        if (a.ended) {
            return;
        }
        synchronized (statisticsLock) {
            // A scrape sees this allocation's traffic among the live ones or among the ended, never in
            // neither. Only the bookkeeping under the lock: its sockets close after.
            a.ended = true;
            table.remove(a);
            if (a.ready) {
                counters.ended(a);
            }
        }
        a.close();
        String relayed = a.relayedAddresses();
        if (a.v4 != null) {
            ports.release(a.v4.bound, a.v4.port);
            a.v4 = null;
        }
        if (a.v6 != null) {
            ports.release(a.v6.bound, a.v6.port);
            a.v6 = null;
        }
        table.release(a.quotaUser);
        if (a.ready) {
            LOG.info("TURN: allocation {} of {} from {} {} relayed at {} ended ({}) after {} s: {} packets / {} bytes to peers, {} packets / {} bytes to the client",
                    a.id, a.user, a.connection.protocol(), IpAddresses.format(a.client), relayed, reason,
                    (System.nanoTime() - a.createdNanos) / 1_000_000_000L, a.packetsToPeers, a.bytesToPeers,
                    a.packetsToClient, a.bytesToClient);
        }
        drainedIfEmpty();
    }

    // ---- draining

    /**
     * Starts or ends draining (before an upgrade): new Allocate requests are turned away while every
     * allocation made goes on; its log lines say where new ones go and when none is left.
     */
    synchronized Draining drain(boolean on) {
        if (on && drain == null) {
            drain = new DrainState(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), counters.redirected.sum(),
                    new AtomicBoolean());
            TurnSettings s = settings;
            LOG.info("TURN: draining (turn:drain): new Allocate requests are answered {}; the {} allocation(s) relaying go on until their clients end them",
                    s.alternateServers().isEmpty() ? "508 Insufficient Capacity (no alternate-server in force, " + s.source() + ")"
                            : "300 Try Alternate to " + alternatesText(s.alternateServers()), table.byId.size());
            drainedIfEmpty();
        } else if (!on && drain != null) {
            drain = null;
            LOG.info("TURN: draining ended (turn:drain off): new allocations are made here again");
        }
        return draining();
    }

    Draining draining() {
        DrainState d = drain;
        return d == null ? null : new Draining(d.since(), settings.alternateServers(), counters.redirected.sum() - d.redirectedBefore());
    }

    /** TURN goes off or stops: every allocation ends, which says nothing about draining, and draining is over. */
    void endDraining() {
        drain = null;
    }

    /**
     * An allocation was put in the table while drained (one whose Allocate passed before draining
     * began, or one for a reserved port): the next time the table is empty is worth saying again.
     */
    void madeWhileDraining() {
        DrainState d = drain;
        if (d != null) {
            d.announced().set(false);
        }
    }

    /** While drained, logs once each time no allocation is left: the moment an upgrade can stop the server. */
    private void drainedIfEmpty() {
        DrainState d = drain;
        if (d != null && table.byId.isEmpty() && d.announced().compareAndSet(false, true)) {
            LOG.info("TURN: drained: no allocation left ({} Allocate request(s) turned away since {}); stopping Gatehouse now ends no call",
                    counters.redirected.sum() - d.redirectedBefore(), d.since());
        }
    }

    /**
     * Whether {@code m}, an Allocate, was turned away because the relay is drained: 300 Try Alternate
     * with an ALTERNATE-SERVER of the client's address family (RFC 8489 section 14.15), signed like
     * any answer to an authenticated request, or 508 when no alternate-server is of that family.
     */
    boolean redirected(StunMessage m, StunConnection connection, InetSocketAddress client, Authenticator.Outcome auth) {
        if (drain == null) {
            return false;
        }
        counters.redirected.increment();
        InetSocketAddress alternate = alternateFor(client.getAddress() instanceof Inet6Address, connection.localAddress(), policy);
        if (alternate == null) {
            error(m, connection, client, ErrorCode.INSUFFICIENT_CAPACITY, auth, null);
            return true;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("TURN: Allocate from {} {} sent to {} (draining)", connection.protocol(), IpAddresses.format(client),
                    IpAddresses.format(alternate));
        }
        ByteBuf out = connection.alloc().ioBuffer(160);
        StunWriter w = Answers.error(out, m, ErrorCode.TRY_ALTERNATE).address(Attribute.ALTERNATE_SERVER, alternate);
        Answers.finish(w, m, auth);
        counters.errorAnswers.increment();
        connection.send(out, client);
        return true;
    }

    /**
     * The next alternate-server of that family, round robin; port 0 there is the port the request came
     * to. This server itself (one of its addresses at the port the request came to, as a list shared
     * by both servers of a pair names it) is passed over: a client sent back here would be turned away
     * again, and gives up.
     */
    private InetSocketAddress alternateFor(boolean ipv6, InetSocketAddress local, PeerPolicy own) {
        List<InetSocketAddress> all = settings.alternateServers();
        int port = local == null ? 3478 : local.getPort();
        int candidates = 0;
        for (InetSocketAddress a : all) {
            candidates += isCandidate(a, ipv6, local, port, own) ? 1 : 0;
        }
        if (candidates == 0) {
            return null;
        }
        int k = Math.floorMod(nextAlternate[ipv6 ? 1 : 0].getAndIncrement(), candidates);
        for (InetSocketAddress a : all) {
            if (isCandidate(a, ipv6, local, port, own) && k-- == 0) {
                return a.getPort() != 0 ? a : new InetSocketAddress(a.getAddress(), port);
            }
        }
        return null;
    }

    private static boolean isCandidate(InetSocketAddress a, boolean ipv6, InetSocketAddress local, int port, PeerPolicy own) {
        if ((a.getAddress() instanceof Inet6Address) != ipv6) {
            return false;
        }
        boolean samePort = a.getPort() == 0 || a.getPort() == port;
        return !(samePort && (own.isOwnAddress(a.getAddress()) || local != null && a.getAddress().equals(local.getAddress())));
    }

    static String alternatesText(List<InetSocketAddress> alternates) {
        StringBuilder out = new StringBuilder();
        for (InetSocketAddress a : alternates) {
            out.append(out.length() == 0 ? "" : ", ").append(a.getPort() == 0
                    ? IpAddresses.format(a.getAddress()) + " (the port each request came to)" : IpAddresses.format(a));
        }
        return out.toString();
    }

    // ---- administration

    List<AllocationInfo> allocations() {
        List<AllocationInfo> out = new ArrayList<>();
        long nanos = System.nanoTime();
        for (Allocation a : table.byId.values()) {
            if (!a.ready || a.ended) {
                continue;
            }
            List<InetSocketAddress> relayed = new ArrayList<>(2);
            List<InetSocketAddress> bound = new ArrayList<>(2);
            for (Relay r : new Relay[] {a.v4, a.v6}) {
                if (r != null) {
                    relayed.add(r.advertised);
                    bound.add(new InetSocketAddress(r.bound, r.port));
                }
            }
            out.add(new AllocationInfo(a.id, a.user, a.connection.protocol(), a.client, a.connection.localAddress(),
                    List.copyOf(relayed), List.copyOf(bound), Duration.ofNanos(nanos - a.createdNanos),
                    Duration.ofSeconds(Math.max(0, a.expires - a.wheel.now())), a.permissionCount(), a.liveChannelCount(),
                    a.packetsToPeers, a.bytesToPeers, a.packetsToClient, a.bytesToClient));
        }
        out.sort(Comparator.comparingLong(AllocationInfo::id));
        return out;
    }

    boolean kill(long id) {
        Allocation a = table.byId.get(id);
        if (a == null) {
            return false;
        }
        return onLoop(a.connection.eventLoop(), () -> end(a, "ended by the operator"));
    }

    TurnStatistics statistics() {
        synchronized (statisticsLock) {
            return statisticsLocked();
        }
    }

    private TurnStatistics statisticsLocked() {
        int allocations = 0;
        int permissions = 0;
        int channels = 0;
        long[] traffic = new long[4];
        for (Allocation a : table.byId.values()) {
            if (!a.ready || a.ended) {
                continue;
            }
            allocations++;
            permissions += a.permissionCount();
            channels += a.liveChannelCount();
            traffic[0] += a.packetsToPeers;
            traffic[1] += a.bytesToPeers;
            traffic[2] += a.packetsToClient;
            traffic[3] += a.bytesToClient;
        }
        Counters c = counters;
        return new TurnStatistics(allocations, permissions, channels, c.allocationsCreated.sum(), c.allocationsEnded.sum(),
                traffic[0] + c.endedTraffic[0].sum(), traffic[1] + c.endedTraffic[1].sum(),
                traffic[2] + c.endedTraffic[2].sum(), traffic[3] + c.endedTraffic[3].sum(), c.dropped.sum(),
                c.droppedOverBandwidth.sum(), c.authFailures.sum(), c.unauthenticatedLimited.sum(), c.deniedPeers.sum(),
                c.quotaRejections.sum(), c.errorAnswers.sum());
    }
}
