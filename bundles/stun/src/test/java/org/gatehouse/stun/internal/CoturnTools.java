package org.gatehouse.stun.internal;

import java.io.File;
import org.junit.jupiter.api.Assumptions;

/** coturn's command-line clients as real peers; tests skip, saying why, where Debian's coturn is missing. */
final class CoturnTools {

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
}
