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
            throw new Refused("usage: " + USAGE);
        }
        System.out.println("Gatehouse is shutting down.");
        // Stops asynchronously: the calling shell thread is itself stopped by the framework shutdown.
        framework.stop();
    }

    /**
     * A refusal that prints as its message alone: Gogo's console prints a failed command's exception
     * as {@code toString()} (this launcher sees no Gatehouse bundle, so not core's CommandRefused).
     */
    static final class Refused extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
