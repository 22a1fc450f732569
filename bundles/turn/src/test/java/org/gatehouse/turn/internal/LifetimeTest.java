package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lifetimes: the wheel fires each entry at its deadline, and an allocation drops what expired. */
class LifetimeTest {

    private static final class Entry implements Wheel.Timed {
        final long deadline;
        long scheduled;
        final CopyOnWriteArrayList<Long> fired;

        Entry(long deadline, CopyOnWriteArrayList<Long> fired) {
            this.deadline = deadline;
            this.fired = fired;
        }

        @Override
        public long expire(long now) {
            fired.add(deadline);
            return -1;
        }

        @Override
        public long scheduledAt() {
            return scheduled;
        }

        @Override
        public void scheduledAt(long seconds) {
            scheduled = seconds;
        }
    }

    @Test
    void wheelFiresEachEntryOnceAtItsDeadlineAndAnEarlierDeadlineWins() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            CopyOnWriteArrayList<Long> fired = new CopyOnWriteArrayList<>();
            Wheel wheel = loop.submit(() -> new Wheel(loop)).get();
            long now = loop.submit(wheel::now).get();
            Entry late = new Entry(now + 2, fired);
            Entry moved = new Entry(now + 1, fired);
            loop.submit(() -> {
                wheel.schedule(late, now + 2);
                wheel.schedule(moved, now + 5);
                wheel.schedule(moved, now + 1); // sooner: moves
                wheel.schedule(moved, now + 4); // later: ignored, it is due sooner already
            }).get();
            Thread.sleep(3300);
            assertEquals(java.util.List.of(now + 1, now + 2), fired);
            Thread.sleep(2500);
            assertEquals(2, fired.size(), "no entry fires twice");
            loop.submit(wheel::stop).get();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void expiredPermissionsAndChannelsAreDroppedAndTheAllocationEndsAtItsLifetime() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            c.allocate();
            c.channelBind(0x4000, peer.address());
            c.createPermission(new InetSocketAddress("127.0.0.9", 1));
            Allocation a = turn.turn.server().table.byId.values().iterator().next();
            CompletableFuture<long[]> result = new CompletableFuture<>();
            a.connection.eventLoop().execute(() -> {
                long now = a.wheel.now();
                long next = a.expire(now + 301); // permissions (300 s) gone, channel (600 s) still bound
                long afterChannel = a.expire(now + 601); // channel expired: carries nothing, number still reserved
                long numberFree = a.expire(now + 599); // not yet expired
                result.complete(new long[] {next, a.permissionCount(), a.channelCount(), afterChannel, numberFree});
            });
            long[] r = result.get(2, TimeUnit.SECONDS);
            assertEquals(0, r[1], "permissions expired");
            assertEquals(1, r[2], "the channel is still bound (or resting)");
            CompletableFuture<Boolean> ended = new CompletableFuture<>();
            a.connection.eventLoop().execute(() -> {
                a.expire(a.expires);
                ended.complete(a.ended);
            });
            assertTrue(ended.get(2, TimeUnit.SECONDS));
            assertEquals(0, turn.turn.statistics().allocations());
            assertFalse(turn.turn.kill(a.id));
        }
    }

    /** An expired channel rests five minutes (its number and peer not free) but is not shown as bound. */
    @Test
    void anExpiredChannelIsNotCountedAsBound() throws Exception {
        try (TestTurn turn = new TestTurn(); TurnClient c = turn.client(); TestTurn.Peer peer = new TestTurn.Peer("127.0.0.1")) {
            c.allocate();
            assertEquals(0, TurnClient.code(c.channelBind(0x4000, peer.address())));
            assertEquals(1, turn.turn.statistics().channels());
            Allocation a = turn.turn.server().table.byId.values().iterator().next();
            a.connection.eventLoop().submit(() -> a.channel(0x4000).expires = a.wheel.now()).get(2, TimeUnit.SECONDS);
            assertEquals(0, turn.turn.statistics().channels(), "expired");
            assertEquals(0, turn.turn.allocations().get(0).channels());
            assertEquals(1, a.connection.eventLoop().submit(a::channelCount).get(2, TimeUnit.SECONDS), "still resting");
        }
    }
}
