package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.StunMessage;
import org.junit.jupiter.api.Test;

/** max-allocate-timeout (here 1 s) on a stream connection, its checks run as they fall due. */
class TcpSilenceTest {

    /** A TURN handler whose connections hold an allocation while {@code holds}; counts how often it is asked. */
    static final class Turn implements TurnHandler {
        volatile boolean holds;
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public void onMessage(StunMessage message, StunConnection connection, InetSocketAddress client) {
        }

        @Override
        public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client) {
        }

        @Override
        public boolean holdsAllocation(StunConnection connection) {
            asked.incrementAndGet();
            return holds;
        }
    }

    private static EmbeddedChannel connection(Turn turn) {
        Dispatcher d = new Dispatcher(new Statistics(), new MalformedLog());
        d.turn(turn);
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }
        };
        ch.pipeline().addLast(new TcpHandler(d, "tcp", () -> 1));
        return ch;
    }

    /** Runs the connection's timers as they fall due for {@code millis}. */
    private static void runFor(EmbeddedChannel ch, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            ch.runScheduledPendingTasks();
            Thread.sleep(20);
        }
        ch.runScheduledPendingTasks();
    }

    @Test
    void aSilentConnectionWithoutAnAllocationClosesAfterTheTimeout() throws Exception {
        EmbeddedChannel ch = connection(new Turn());
        runFor(ch, 600);
        assertTrue(ch.isActive(), "open before max-allocate-timeout");
        runFor(ch, 900);
        assertFalse(ch.isActive(), "closed after it");
    }

    /** A lowered max-allocate-timeout reaches an open connection at once, not when the check set under the old value falls due. */
    @Test
    void aLoweredTimeoutAppliesToAnOpenConnectionAtOnce() throws Exception {
        Dispatcher d = new Dispatcher(new Statistics(), new MalformedLog());
        d.turn(new Turn());
        java.util.concurrent.atomic.AtomicInteger seconds = new java.util.concurrent.atomic.AtomicInteger(3600);
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001);
            }
        };
        TcpHandler handler = new TcpHandler(d, "tcp", seconds::get);
        ch.pipeline().addLast(handler);
        runFor(ch, 1200);
        assertTrue(ch.isActive());
        seconds.set(1);
        handler.timeoutShortened();
        runFor(ch, 400);
        assertFalse(ch.isActive(), "silent for more than the new 1 s: closed");
        ch.finishAndReleaseAll();
    }

    /**
     * A silent connection that holds an allocation stays open, and is looked at again once per timeout,
     * not every 100 ms (it was: ten wake-ups a second for each quiet TURN-over-TCP client).
     */
    @Test
    void aSilentConnectionWithAnAllocationStaysAndIsLookedAtOncePerTimeout() throws Exception {
        Turn turn = new Turn();
        turn.holds = true;
        EmbeddedChannel ch = connection(turn);
        runFor(ch, 3500);
        assertTrue(ch.isActive(), "an allocation keeps it open");
        assertTrue(turn.asked.get() <= 4, "asked " + turn.asked.get() + " times in 3.5 s of silence with a 1 s timeout");
        turn.holds = false;
        runFor(ch, 1300);
        assertFalse(ch.isActive(), "closed within a timeout once its allocation is gone");
        ch.finishAndReleaseAll();
    }
}
