package org.gatehouse.launcher.command;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/** {@code gatehouse:shutdown}: stops every bundle in order and ends the process with status 0. */
public final class ShutdownCommand {

    static final String USAGE = "gatehouse:shutdown\n  stops every bundle in order and ends the server process (status 0)";

    private final Bundle framework;

    public ShutdownCommand(Bundle framework) {
        this.framework = framework;
    }

    /**
     * Takes its arguments as given, so that {@code --help} and wrong arguments get the usage, as from
     * every Gatehouse command, rather than Gogo's "Cannot coerce".
     */
    public void shutdown(Object... arguments) throws BundleException {
        if (arguments.length == 1 && (arguments[0].equals("--help") || arguments[0].equals("-h"))) {
            System.out.println(USAGE);
            return;
        }
        if (arguments.length > 0) {
            throw new IllegalArgumentException("usage: " + USAGE);
        }
        System.out.println("Gatehouse is shutting down.");
        // Stops asynchronously: the calling shell thread is itself stopped by the framework shutdown.
        framework.stop();
    }
}
