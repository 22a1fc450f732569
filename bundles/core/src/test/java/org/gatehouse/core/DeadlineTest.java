package org.gatehouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final AtomicInteger expiries = new AtomicInteger();
    private final AtomicLong expiredAt = new AtomicLong();
    private final Deadline deadline = new Deadline(loop, () -> {
        expiries.incrementAndGet();
        expiredAt.set(System.nanoTime());
    });

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void on(Runnable r) throws Exception {
        loop.submit(r).get(5, TimeUnit.SECONDS);
    }

    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void firesOnceWhenTheDeadlinePasses() throws Exception {
        long start = System.nanoTime();
        on(() -> deadline.set(in(50)));
        Thread.sleep(300);
        assertEquals(1, expiries.get());
        assertTrue(expiredAt.get() - start >= TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void aClearedDeadlineDoesNotFire() throws Exception {
        on(() -> deadline.set(in(50)));
        on(deadline::clear);
        Thread.sleep(300);
        assertEquals(0, expiries.get());
    }

    @Test
    void movedLaterItFiresAtTheLaterTime() throws Exception {
        long start = System.nanoTime();
        on(() -> deadline.set(in(50)));
        on(() -> deadline.set(in(250)));
        Thread.sleep(150);
        assertEquals(0, expiries.get(), "fired at the first, replaced deadline");
        Thread.sleep(400);
        assertEquals(1, expiries.get());
        assertTrue(expiredAt.get() - start >= TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    void movedEarlierItFiresAtTheEarlierTime() throws Exception {
        long start = System.nanoTime();
        on(() -> deadline.set(in(10_000)));
        on(() -> deadline.set(in(50)));
        Thread.sleep(400);
        assertEquals(1, expiries.get());
        assertTrue(expiredAt.get() - start < TimeUnit.MILLISECONDS.toNanos(5_000));
    }

    @Test
    void cancelledItDoesNotFireAndCanBeSetAgain() throws Exception {
        on(() -> deadline.set(in(50)));
        on(deadline::cancel);
        Thread.sleep(200);
        assertEquals(0, expiries.get());
        on(() -> deadline.set(in(50)));
        Thread.sleep(300);
        assertEquals(1, expiries.get());
    }
}
