package org.gatehouse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/client} against a stand-in {@code ssh} that prints what it was given: where the running server
 * listens decides where the client connects, and from which address.
 */
class ClientScriptTest {

    @TempDir
    Path home;

    /**
     * The dual-NIC guide puts the remote shell on the internal address (10.40.0.2:8101). A connection from
     * that address is neither loopback, where the local client key is taken, nor in the default management
     * networks: the client connects from this host's loopback address instead.
     */
    @Test
    void anotherAddressOfThisHostIsReachedFromLoopback() throws Exception {
        assertEquals("-b 127.0.0.1 10.40.0.2 -p 8101", connect("10.40.0.2:8101"));
        assertEquals("-b ::1 2001:db8::2 -p 8101", connect("[2001:db8::2]:8101"));
    }

    @Test
    void loopbackAndWildcardsNeedNoSourceAddress() throws Exception {
        assertEquals("127.0.0.1 -p 8101", connect("127.0.0.1:8101"));
        assertEquals("127.0.0.1 -p 8102", connect("0.0.0.0:8102"));
        assertEquals("::1 -p 8101", connect("[::]:8101"));
        assertEquals("::1 -p 8101", connect("[::1]:8101"));
    }

    /** The ssh arguments that matter here: -b and its address, the host and the port, in that order. */
    private String connect(String listening) throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.copy(Path.of("src/main/dist/bin/client"), bin.resolve("client"), StandardCopyOption.REPLACE_EXISTING);
        bin.resolve("client").toFile().setExecutable(true);
        Path ssh = Files.createDirectories(home.resolve("data/ssh"));
        Files.writeString(ssh.resolve("listening"), listening + "\n");
        Files.writeString(ssh.resolve("known_hosts"), "gatehouse ssh-ed25519 AAAA\n");
        Files.writeString(ssh.resolve("client-key"), "key\n");
        Path fake = Files.createDirectories(home.resolve("fake-path"));
        Files.writeString(fake.resolve("ssh"), "#!/bin/sh\necho \"$@\"\n");
        fake.resolve("ssh").toFile().setExecutable(true);

        ProcessBuilder pb = new ProcessBuilder(bin.resolve("client").toString(), "gatehouse:status").redirectErrorStream(true);
        pb.environment().put("PATH", fake + ":/usr/bin:/bin");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.isEmpty(), out);
        // What matters: -b ADDRESS when given, the host, and -p PORT.
        String[] a = out.split(" ");
        StringBuilder picked = new StringBuilder();
        String port = null;
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("-b")) {
                picked.append("-b ").append(a[i + 1]).append(' ');
            } else if (a[i].equals("-p")) {
                port = a[i + 1];
            } else if (a[i].equals("gatehouse:status")) {
                picked.append(a[i - 1]);
            }
        }
        return picked + " -p " + port;
    }
}
