package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment guide's TURN-only shape as the operator makes it: the bundles docs/deployment.md names
 * are moved out of {@code system/}, and every bundle left starts (before the guide named the PIN ban,
 * which needs the TLS bundle, the server came up with {@code NOT active: org.gatehouse.ban}).
 */
class TurnOnlyIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern STARTED = Pattern.compile("Gatehouse \\S+ started in .*");
    private static final Pattern BUNDLE = Pattern.compile("`(org\\.gatehouse\\.[a-z.]+)`");

    @TempDir
    Path dir;

    /** The bundles the guide's TURN-only section names. */
    private static List<String> leftOutByTheGuide() throws Exception {
        String guide = Files.readString(DocsIT.docs().resolve("deployment.md"));
        int start = guide.indexOf("\n### TURN only\n");
        assertTrue(start >= 0, "docs/deployment.md has a section \"### TURN only\"");
        String section = guide.substring(start, guide.indexOf("```", start));
        List<String> leftOut = new ArrayList<>();
        for (Matcher m = BUNDLE.matcher(section); m.find(); ) {
            leftOut.add(m.group(1));
        }
        assertTrue(leftOut.contains("org.gatehouse.tls"), "the guide leaves out the TLS bundle: " + leftOut);
        return leftOut;
    }

    /** A copy of the distribution without the bundles {@code leftOut}. */
    private Path without(List<String> leftOut) throws Exception {
        Path home = Distribution.copyTo(dir.resolve("gatehouse"));
        for (String name : leftOut) {
            List<Path> jars = Distribution.jars(home.resolve("system")).stream().filter(Distribution.startsWith(name + "-")).toList();
            assertEquals(1, jars.size(), "system/ holds one " + name + " jar: " + jars);
            Files.move(jars.get(0), dir.resolve(jars.get(0).getFileName()));
        }
        return home;
    }

    @Test
    void theBundlesTheGuideLeavesOutLeaveEveryOtherBundleActive() throws Exception {
        List<String> leftOut = leftOutByTheGuide();
        Path home = without(leftOut);
        try (Server server = Server.start(home)) {
            String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            assertFalse(started.contains("NOT active"), "without " + leftOut + ": " + started + "\n" + server.output());
            // STUN/TURN on UDP and TCP, the status page and SSH; no HTTPS, no redirect, no TLS for TURN.
            assertTrue(started.contains(" 4 listening sockets"), started);
            if (Tmux.has("ssh")) {
                Client.Result status = Client.run(home, null, "gatehouse:status");
                assertEquals(0, status.exit(), status.output());
                assertTrue(status.output().contains("All well."), status.output());
            }
            assertEquals(0, server.terminate(), server.output());
        }
    }

    /**
     * A bundle left without one it needs (the PIN ban without the TLS bundle, as the guide's first
     * version had it): gatehouse:status says which package it misses, not only that it is installed.
     */
    @Test
    void aBundleLeftWithoutOneItNeedsIsNamedWithThePackageItMisses() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Tmux.has("ssh"), "ssh (Debian openssh-client) is not installed: bin/client needs it");
        List<String> leftOut = new ArrayList<>(leftOutByTheGuide());
        leftOut.remove("org.gatehouse.ban");
        Path home = without(leftOut);
        try (Server server = Server.start(home)) {
            String started = server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            assertTrue(started.contains("NOT active: org.gatehouse.ban"), started);
            Client.Result status = Client.run(home, null, "gatehouse:status");
            assertTrue(status.output().contains("org.gatehouse.ban is installed: it needs package org.gatehouse.tls.http (version >="),
                    status.output());
            assertTrue(status.output().contains(", which no installed bundle exports"), status.output());
            assertEquals(0, server.terminate(), server.output());
        }
    }
}
