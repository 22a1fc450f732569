package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.util.concurrent.EventExecutor;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The user file is looked at every two seconds and read again when it changed. A read that hangs
 * (a file on a network share that stopped answering; here a named pipe nobody writes) must not hold
 * an I/O thread: every allocation, STUN answer and relayed packet of that thread would wait with it.
 */
class UserFileOffTheIoThreadsTest {

    @Test
    void aUserFileReadThatHangsHoldsNoIoThread() throws Exception {
        try (TestTurn turn = new TestTurn()) {
            Path pipe = turn.dir.resolve("pipe");
            Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
            assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo is needed for this test");
            Files.move(pipe, turn.users, StandardCopyOption.REPLACE_EXISTING);
            try {
                whileTheReadHangs(turn);
            } finally {
                // Read and write at once: opening the pipe so does not wait for a reader, and lets the one waiting go.
                try (SeekableByteChannel out = Files.newByteChannel(turn.users, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap("bob:hunter2\n".getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
    }

    private static void whileTheReadHangs(TestTurn turn) throws Exception {
        Thread reader = null;
        long end = System.nanoTime() + 10_000_000_000L;
        while (reader == null && System.nanoTime() < end) {
            Thread.sleep(50);
            for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                if (Arrays.stream(t.getValue()).anyMatch(f -> f.getClassName().equals(UserFile.class.getName())
                        && f.getMethodName().equals("refresh"))) {
                    reader = t.getKey();
                }
            }
        }
        assertFalse(reader == null, "the user file is read again once it changed");
        for (EventExecutor loop : turn.stun.loops.group()) {
            assertFalse(loop.inEventLoop(reader), "the user file is read on I/O thread " + reader.getName());
        }
        for (int i = 0; i < 8; i++) {
            try (TurnClient c = turn.client()) {
                assertEquals(0, TurnClient.code(c.allocate()), "allocations go on while the file read hangs");
            }
        }
    }
}
