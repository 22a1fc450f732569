package org.gatehouse.launcher.command;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/** {@code gatehouse:shutdown}: stops every bundle in order and ends the process with status 0. */
public final class ShutdownCommand {

    private final Bundle framework;

    public ShutdownCommand(Bundle framework) {
        this.framework = framework;
    }

    public void shutdown() throws BundleException {
        System.out.println("Gatehouse is shutting down.");
        // Stops asynchronously: the calling shell thread is itself stopped by the framework shutdown.
        framework.stop();
    }
}
