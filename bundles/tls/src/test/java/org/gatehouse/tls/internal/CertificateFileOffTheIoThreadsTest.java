package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.util.concurrent.EventExecutor;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate file is looked at every two seconds and read when it changed. A read that hangs (a
 * file on a network share that stopped answering; here a named pipe nobody writes) must not hold an
 * I/O thread: every connection of that thread, HTTPS and TURN alike, would wait with it.
 */
class CertificateFileOffTheIoThreadsTest {

    @TempDir
    Path home;

    @Test
    void aCertificateFileReadThatHangsHoldsNoIoThread() throws Exception {
        System.setProperty("gatehouse.home", home.toString());
        EventLoops loops = EventLoopsAccess.start(Map.of("io-threads", "1"));
        TlsComponent tls = new TlsComponent();
        Path configured = home.resolve("etc/tls/server.pem");
        try {
            Map<String, Object> p = new HashMap<>();
            p.put("hostname", "gatehouse");
            p.put("domain", "example.com");
            tls.activate(p);
            Files.createDirectories(configured.getParent());
            Process mkfifo = new ProcessBuilder("mkfifo", configured.toString()).inheritIO().start();
            assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo is needed for this test");
            try {
                Thread reader = null;
                long end = System.nanoTime() + 10_000_000_000L;
                while (reader == null && System.nanoTime() < end) {
                    Thread.sleep(50);
                    for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                        if (Arrays.stream(t.getValue()).anyMatch(f -> f.getClassName().equals(PemBundle.class.getName()))) {
                            reader = t.getKey();
                        }
                    }
                }
                assertFalse(reader == null, "the certificate file is read once it appeared");
                for (EventExecutor loop : loops.group()) {
                    assertFalse(loop.inEventLoop(reader), "the certificate file is read on I/O thread " + reader.getName());
                }
            } finally {
                // Read and write at once: opening the pipe so does not wait for a reader, and lets the one waiting go.
                try (SeekableByteChannel out = Files.newByteChannel(configured, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap(new byte[] {'\n'}));
                }
            }
        } finally {
            tls.deactivate();
            EventLoopsAccess.stop(loops);
            System.clearProperty("gatehouse.home");
        }
    }
}
