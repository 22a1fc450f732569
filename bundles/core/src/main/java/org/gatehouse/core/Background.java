package org.gatehouse.core;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A thread of a component's own for work that may block and must stay off the I/O threads: file
 * checks, host name lookups, sweeps. A daemon, so a component that is never deactivated (a test, a
 * crash) does not keep the JVM up; the component shuts it down when it goes.
 */
public final class Background {

    private Background() {
    }

    /** One daemon thread named {@code name} (as thread dumps and {@code jcmd Thread.print} show it). */
    public static ScheduledExecutorService thread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
