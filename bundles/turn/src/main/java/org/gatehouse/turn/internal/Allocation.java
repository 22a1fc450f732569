package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.message.StunMessage;

/**
 * One allocation (RFC 8656 section 6): the client's 5-tuple, up to two relay sockets (IPv4 and IPv6),
 * its permissions and channels. Everything here runs on one event loop, the one of the client's
 * socket or connection, which the relay sockets are registered on too: no locks on the data path,
 * which is a map lookup, a bandwidth check and a buffer slice or copy per packet.
 */
final class Allocation implements Wheel.Timed {

    private static final ChannelBinding[] NO_CHANNELS = new ChannelBinding[0];
    private static final int CACHED_ANSWERS = 4;
    /** RFC 8489's 39.5 s transaction timeout, rounded up: a retransmission arrives within it. */
    private static final int ANSWER_CACHE_SECONDS = 40;

    final long id;
    final String user;
    /** The realm the allocation was made in: its requests are checked in it, whatever the realm is now. */
    final String realm;
    final String quotaUser;
    final StunConnection connection;
    final InetSocketAddress client;
    final Wheel wheel;
    final TurnServer server;
    final long createdNanos = System.nanoTime();
    final boolean dontFragment;

    Relay v4;
    Relay v6;
    /** False while the relay sockets are being bound: requests then are retransmissions, and dropped. */
    boolean ready;
    boolean ended;
    long expires;
    /** RESERVATION-TOKEN handed out with this allocation (EVEN-PORT with R), for its answer. */
    long reservationToken;
    private long scheduledAt;

    /** Peer addresses one allocation may have permissions for at a time (508 beyond). */
    static final int MAX_PERMISSIONS = 1000;
    /**
     * Channels one allocation may have bound at a time (508 beyond), resting ones included. Each
     * datagram from a peer, and each ChannelData, looks its channel up among them: without a bound,
     * one client's 16,384 channels to the ports of one permitted address made every packet of its
     * allocation a scan of 16,384 entries on an I/O thread shared with other allocations. An ICE
     * agent binds one per remote candidate it checks through the relay: a handful to a few tens.
     */
    static final int MAX_CHANNELS = 128;

    final Map<InetAddress, Permission> permissions = new HashMap<>(4);
    private ChannelBinding[] channels = NO_CHANNELS;
    private int channelCount;

    long packetsToPeers;
    long bytesToPeers;
    long packetsToClient;
    long bytesToClient;

    private final Bandwidth upstream = new Bandwidth();
    private final Bandwidth downstream = new Bandwidth();

    private final long[] answerIds = new long[2 * CACHED_ANSWERS];
    private final byte[][] answers = new byte[CACHED_ANSWERS][];
    private final long[] answerTimes = new long[CACHED_ANSWERS];
    private int nextAnswer;

    Allocation(long id, String user, String realm, String quotaUser, StunConnection connection, InetSocketAddress client, Wheel wheel,
            TurnServer server, boolean dontFragment) {
        this.id = id;
        this.user = user;
        this.realm = realm;
        this.quotaUser = quotaUser;
        this.connection = connection;
        this.client = client;
        this.wheel = wheel;
        this.server = server;
        this.dontFragment = dontFragment;
    }

    /** The relayed address(es) as the log names them: advertised, and bound where NAT mapping differs. */
    String relayedAddresses() {
        StringBuilder sb = new StringBuilder();
        for (Relay r : new Relay[] {v4, v6}) {
            if (r == null) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(" and ");
            }
            sb.append(IpAddresses.format(r.advertised));
            if (!r.advertised.getAddress().equals(r.bound)) {
                sb.append(" (bound ").append(IpAddresses.format(r.bound)).append(')');
            }
        }
        return sb.toString();
    }

    Relay relay(boolean ipv6) {
        return ipv6 ? v6 : v4;
    }

    Relay relayFor(InetAddress peer) {
        return peer instanceof Inet6Address ? v6 : v4;
    }

    // ---- answers to retransmitted requests

    void rememberAnswer(StunMessage request, ByteBuf answer, int from, int length) {
        int i = nextAnswer;
        nextAnswer = (i + 1) % CACHED_ANSWERS;
        answerIds[2 * i] = request.buffer().getLong(request.start() + 4);
        answerIds[2 * i + 1] = request.buffer().getLong(request.start() + 12);
        byte[] copy = new byte[length];
        answer.getBytes(from, copy);
        answers[i] = copy;
        answerTimes[i] = wheel.now();
    }

    /** The answer already given to this transaction, or null. */
    byte[] answered(StunMessage request) {
        long hi = request.buffer().getLong(request.start() + 4);
        long lo = request.buffer().getLong(request.start() + 12);
        for (int i = 0; i < CACHED_ANSWERS; i++) {
            if (answers[i] != null && answerIds[2 * i] == hi && answerIds[2 * i + 1] == lo) {
                return answers[i];
            }
        }
        return null;
    }

    // ---- permissions and channels

    boolean permitted(InetAddress peer, long now) {
        Permission p = permissions.get(peer);
        return p != null && p.expires > now;
    }

    /**
     * Whether permissions for {@code peers} would take this allocation past
     * {@link #MAX_PERMISSIONS}: a client cannot make the server hold peer addresses without bound
     * (CreatePermission takes many at a time, with fresh IPv6 addresses at will).
     */
    boolean permissionsFull(List<InetAddress> peers) {
        int fresh = 0;
        for (int i = 0; i < peers.size(); i++) {
            InetAddress p = peers.get(i);
            if (!permissions.containsKey(p) && peers.indexOf(p) == i) {
                fresh++;
            }
        }
        return permissions.size() + fresh > MAX_PERMISSIONS;
    }

    void permit(InetAddress peer, long expires) {
        Permission p = permissions.get(peer);
        if (p == null) {
            permissions.put(peer, new Permission(expires));
            server.counters.permissionsCreated.increment();
        } else {
            p.expires = Math.max(p.expires, expires);
        }
        wheel.schedule(this, expires);
    }

    ChannelBinding channel(int number) {
        for (int i = 0; i < channelCount; i++) {
            if (channels[i].number == number) {
                return channels[i];
            }
        }
        return null;
    }

    ChannelBinding channelFor(InetSocketAddress peer) {
        for (int i = 0; i < channelCount; i++) {
            if (channels[i].peer.equals(peer)) {
                return channels[i];
            }
        }
        return null;
    }

    void bind(int number, InetSocketAddress peer, long expires, boolean ownAddress) {
        ChannelBinding b = channel(number);
        if (b == null) {
            if (channelCount == channels.length) {
                channels = java.util.Arrays.copyOf(channels, Math.max(4, channelCount * 2));
            }
            channels[channelCount++] = new ChannelBinding(number, peer, expires, ownAddress);
        } else {
            b.expires = expires;
            b.ownAddress = ownAddress;
        }
        wheel.schedule(this, expires + ChannelBinding.REST_SECONDS);
    }

    int permissionCount() {
        return permissions.size();
    }

    /** Channels bound, those expired and resting among them (for the cap on channels per allocation). */
    int channelCount() {
        return channelCount;
    }

    /**
     * Channels that carry data now: not those expired, which rest five minutes before they are free.
     * Read by the shell and the metrics from other threads, as a hint: an entry may be gone meanwhile.
     */
    int liveChannelCount() {
        long now = wheel.now();
        ChannelBinding[] all = channels;
        int n = Math.min(channelCount, all.length);
        int live = 0;
        for (int i = 0; i < n; i++) {
            ChannelBinding b = all[i];
            live += b != null && b.expires > now ? 1 : 0;
        }
        return live;
    }

    /** Removes permissions and channels to peers {@code policy} no longer permits; returns how many. */
    int enforce(PeerPolicy policy) {
        int removed = 0;
        for (Iterator<InetAddress> it = permissions.keySet().iterator(); it.hasNext(); ) {
            if (!policy.permits(it.next())) {
                it.remove();
                removed++;
            }
        }
        for (int i = channelCount - 1; i >= 0; i--) {
            if (!policy.permits(channels[i].peer)) {
                removeChannel(i);
                removed++;
            } else {
                channels[i].ownAddress = policy.ownAddress(channels[i].peer.getAddress());
            }
        }
        return removed;
    }

    private void removeChannel(int i) {
        channels[i] = channels[channelCount - 1];
        channels[--channelCount] = null;
    }

    // ---- data

    /** Application data from the client to {@code peer}: a slice of {@code data}, no copy. */
    void toPeer(InetSocketAddress peer, ByteBuf data, int index, int length) {
        Relay relay = relayFor(peer.getAddress());
        if (relay == null) {
            server.counters.dropped.increment();
            return;
        }
        Channel ch = relay.channel;
        long cap = server.maxBps();
        if (cap > 0 && !upstream.take(length, cap)) {
            server.counters.droppedOverBandwidth.increment();
            return;
        }
        if (!ch.isWritable()) {
            server.counters.dropped.increment();
            return;
        }
        // Through the loops: on io_uring, a relay socket's datagrams flushed in one pass then leave in it.
        ch.writeAndFlush(server.loops.datagram(data.retainedSlice(index, length), peer), ch.voidPromise());
        packetsToPeers++;
        bytesToPeers += length;
    }

    /** A datagram from a peer at a relay socket: to the client as ChannelData or a Data indication. */
    void fromPeer(DatagramPacket packet) {
        if (ended) {
            return;
        }
        InetSocketAddress peer = packet.sender();
        long now = wheel.now();
        if (!permitted(peer.getAddress(), now)) {
            server.counters.dropped.increment();
            return;
        }
        ByteBuf data = packet.content();
        int length = data.readableBytes();
        if (length >= EventLoops.MAX_DATAGRAM_SIZE) {
            // The relay socket reads that much of a datagram: this one may have been cut short.
            server.counters.dropped.increment();
            return;
        }
        long cap = server.maxBps();
        if (cap > 0 && !downstream.take(length, cap)) {
            server.counters.droppedOverBandwidth.increment();
            return;
        }
        ChannelBinding b = channelFor(peer);
        ByteBuf out;
        if (b != null && b.expires > now) {
            int padded = connection.isStream() ? (length + 3) & ~3 : length;
            out = connection.alloc().ioBuffer(4 + padded);
            out.writeShort(b.number);
            out.writeShort(length);
            out.writeBytes(data, data.readerIndex(), length);
            out.writeZero(padded - length);
        } else {
            out = server.dataIndication(connection, peer, data);
        }
        if (!connection.sendMedia(out, client)) {
            // The client's socket is full: dropped, not relayed.
            server.counters.dropped.increment();
            return;
        }
        packetsToClient++;
        bytesToClient += length;
    }

    // ---- lifetime

    @Override
    public long scheduledAt() {
        return scheduledAt;
    }

    @Override
    public void scheduledAt(long seconds) {
        this.scheduledAt = seconds;
    }

    /**
     * Sets the time-to-expiry of the relayed address of family {@code ipv6} (both when null) to
     * {@code until} (RFC 8656 section 8.1: a Refresh naming a family refreshes that one only). The
     * allocation lasts as long as the last of them, and the wheel comes back at the first.
     */
    void refreshRelays(Boolean ipv6, long until) {
        if (v4 != null && (ipv6 == null || !ipv6)) {
            v4.expires = until;
        }
        if (v6 != null && (ipv6 == null || ipv6)) {
            v6.expires = until;
        }
        relayExpiriesChanged();
    }

    /** The relayed addresses' times-to-expiry have changed (a Refresh, or a family deleted): the allocation's follows. */
    void relayExpiriesChanged() {
        if (v4 == null && v6 == null) {
            return;
        }
        long first = v4 == null ? v6.expires : v6 == null ? v4.expires : Math.min(v4.expires, v6.expires);
        expires = v4 == null ? v6.expires : v6 == null ? v4.expires : Math.max(v4.expires, v6.expires);
        wheel.schedule(this, first);
    }

    @Override
    public long expire(long now) {
        if (ended) {
            return -1;
        }
        if (expires <= now) {
            server.end(this, "expired");
            return -1;
        }
        long next = expires;
        if (v4 != null && v6 != null) {
            // A dual allocation whose families were refreshed apart: the one whose time ran out ends alone.
            // (The one left is the one that lasts longest, whose time-to-expiry is the allocation's.)
            if (v4.expires <= now) {
                server.allocator.endFamily(this, false, "expired");
            } else if (v6.expires <= now) {
                server.allocator.endFamily(this, true, "expired");
            } else {
                next = Math.min(v4.expires, v6.expires);
            }
        }
        for (Iterator<Permission> it = permissions.values().iterator(); it.hasNext(); ) {
            Permission p = it.next();
            if (p.expires <= now) {
                it.remove();
            } else {
                next = Math.min(next, p.expires);
            }
        }
        for (int i = channelCount - 1; i >= 0; i--) {
            long free = channels[i].expires + ChannelBinding.REST_SECONDS;
            if (free <= now) {
                removeChannel(i);
            } else {
                next = Math.min(next, channels[i].expires > now ? channels[i].expires : free);
            }
        }
        for (int i = 0; i < CACHED_ANSWERS; i++) {
            if (answers[i] != null) {
                if (now - answerTimes[i] > ANSWER_CACHE_SECONDS) {
                    answers[i] = null;
                } else {
                    next = Math.min(next, answerTimes[i] + ANSWER_CACHE_SECONDS + 1);
                }
            }
        }
        return next;
    }

    /** Closes the relay sockets; the caller does the bookkeeping. */
    void close() {
        ended = true;
        if (v4 != null) {
            v4.channel.close();
        }
        if (v6 != null) {
            v6.channel.close();
        }
    }

    /** A token bucket of bytes per second, refilled from the clock on use; bursts up to one second's worth. */
    private static final class Bandwidth {
        private long tokens = -1;
        private long last;

        boolean take(int bytes, long perSecond) {
            long now = System.nanoTime();
            if (tokens < 0) {
                tokens = perSecond;
            } else {
                long elapsed = Math.min(now - last, 1_000_000_000L);
                tokens = Math.min(perSecond, tokens + elapsed * perSecond / 1_000_000_000L);
            }
            last = now;
            if (tokens < bytes) {
                return false;
            }
            tokens -= bytes;
            return true;
        }
    }
}
