package org.gatehouse.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Attempts run on their own thread until one succeeds, and a later configuration (retry or stop) cancels them. */
class ListenerRetryTest {

    private final Object lock = new Object();

    @Test
    void attemptsRunUntilOneSucceeds() throws Exception {
        ListenerRetry retry = new ListenerRetry("test-retry", lock, 20);
        AtomicInteger attempts = new AtomicInteger();
        synchronized (lock) {
            retry.retry(() -> attempts.incrementAndGet() == 3);
        }
        waitFor(() -> attempts.get() >= 3);
        Thread.sleep(200);
        assertEquals(3, attempts.get(), "no attempt after the one that opened everything");
        synchronized (lock) {
            assertFalse(retry.retrying());
        }
        retry.close();
    }

    @Test
    void aNewConfigurationReplacesTheAttemptsOfTheOldOne() throws Exception {
        ListenerRetry retry = new ListenerRetry("test-retry", lock, 20);
        AtomicInteger old = new AtomicInteger();
        AtomicInteger now = new AtomicInteger();
        synchronized (lock) {
            retry.retry(() -> old.incrementAndGet() < 0);
        }
        waitFor(() -> old.get() >= 1);
        synchronized (lock) {
            retry.retry(() -> now.incrementAndGet() < 0);
        }
        int oldAtChange = old.get();
        waitFor(() -> now.get() >= 3);
        assertEquals(oldAtChange, old.get(), "the old configuration's attempts stopped");
        synchronized (lock) {
            retry.stop();
        }
        int nowAtStop = now.get();
        Thread.sleep(200);
        assertEquals(nowAtStop, now.get(), "stopped");
        retry.close();
    }

    @Test
    void noAttemptAfterClose() throws Exception {
        ListenerRetry retry = new ListenerRetry("test-retry", lock, 20);
        AtomicInteger attempts = new AtomicInteger();
        synchronized (lock) {
            retry.close();
            retry.retry(() -> attempts.incrementAndGet() < 0);
            assertFalse(retry.retrying());
        }
        Thread.sleep(200);
        assertEquals(0, attempts.get());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(10);
        }
    }
}
