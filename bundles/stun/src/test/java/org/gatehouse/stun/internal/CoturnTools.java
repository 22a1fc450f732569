package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** coturn's command-line clients as real peers; tests skip, saying why, where Debian's coturn is missing. */
final class CoturnTools {

    private static final int ATTEMPTS = 5;

    private CoturnTools() {
    }

    static String require(String tool, String test) {
        String path = "/usr/bin/" + tool;
        if (!new File(path).canExecute()) {
            System.out.println("SKIPPED " + test + ": " + path + " not installed (Debian package coturn)");
            Assumptions.assumeTrue(false, tool + " not installed");
        }
        return path;
    }

    /**
     * Runs a coturn client to its end and returns what it printed. {@code turnutils_stunclient -f} binds its
     * ephemeral port plus one for the RESPONSE-PORT test; when another socket on the machine (the responder's
     * own ephemeral ports included) already holds that port, the tool fails in its own bind before it sends
     * anything. Only that failure is run again, with a fresh ephemeral port; anything else is returned as is.
     */
    static String run(List<String> command, int timeoutSeconds) throws Exception {
        String out = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), command + " did not end");
            if (!out.contains("bind: Address already in use")) {
                return out;
            }
            System.out.println("[" + command.get(0) + "] attempt " + attempt + ": the tool could not bind its own"
                    + " local port (in use by another socket); running it again\n" + out);
        }
        return out;
    }
}
