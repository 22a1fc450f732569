package org.gatehouse.core;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

/**
 * For tests of wildcard listeners (0.0.0.0, [::]): they may bind a wildcard only where it listens on
 * nothing but loopback, that is inside a network namespace of their own. Such a test class is tagged
 * {@value #TAG}; its module's pom runs that tag in a JVM started by {@code bundles/core/src/test/netns/bin/java},
 * which makes the namespace, and {@link #assumeOnlyLoopback()} skips the test, with the reason, anywhere else.
 */
public final class IsolatedNetwork {

    /** The JUnit tag of the tests that need the namespace. */
    public static final String TAG = "netns";

    private IsolatedNetwork() {
    }

    /** Skips the calling test unless every network interface this JVM sees is a loopback one. */
    public static void assumeOnlyLoopback() throws SocketException {
        List<String> others = Collections.list(NetworkInterface.getNetworkInterfaces()).stream().filter(n -> {
            try {
                return !n.isLoopback();
            } catch (SocketException e) {
                return true;
            }
        }).map(NetworkInterface::getName).toList();
        String refused = System.getProperty("gatehouse.netns.refused");
        assumeTrue(others.isEmpty(), () -> "binds a wildcard address, so it runs only in a network namespace of its own, where loopback"
                + " is the only interface; this JVM sees " + others + (refused != null ? " (" + refused + ")" : " (not started by the"
                + " tag's own surefire execution, which runs bundles/core/src/test/netns/bin/java)"));
    }
}
