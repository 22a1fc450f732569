package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.gatehouse.stun.internal.TestStunServer;
import org.junit.jupiter.api.Test;

/**
 * A TCP connection to the TURN port without an allocation is closed after max-allocate-timeout
 * seconds without a complete message (anyone can open connections and send nothing, or half a frame);
 * one holding an allocation stays open, silent, up to tcp-idle-timeout.
 */
class AllocateTimeoutTest {

    /** Whether the server closed {@code s} within {@code millis} (read returned end of stream). */
    private static boolean closedWithin(Socket s, int millis) throws Exception {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Test
    void aSilentConnectionIsClosedAndOneWithAnAllocationIsNot() throws Exception {
        try (TestTurn turn = new TestTurn(new TestStunServer(2, "max-allocate-timeout", "1"))) {
            try (Socket silent = new Socket(turn.tcp().getAddress(), turn.tcp().getPort());
                    Socket half = new Socket(turn.tcp().getAddress(), turn.tcp().getPort())) {
                // "GET / HTTP/1.1" reads as the head of a ChannelData frame of some 21 KB that never comes.
                half.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                assertTrue(closedWithin(silent, 5000), "a connection that sends nothing is closed");
                assertTrue(closedWithin(half, 5000), "a connection that sends half a frame is closed");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis >= 700, "after max-allocate-timeout (1 s), not at once: " + millis + " ms");
            }
            try (TurnClient c = TurnClient.tcp(turn.tcp()).credentials("alice", "secret")) {
                assertEquals(0, TurnClient.code(c.allocate()));
                Thread.sleep(3000);
                assertEquals(0, TurnClient.code(c.refresh(600)), "silent for three times max-allocate-timeout, and still open");
            }
        }
    }
}
