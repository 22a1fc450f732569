package org.gatehouse.core.internal;

import java.util.Map;
import org.gatehouse.core.EventLoops;

/** Starts and stops the core's event loops outside OSGi, for tests of network bundles. */
public final class EventLoopsAccess {

    private EventLoopsAccess() {
    }

    public static EventLoops start(Map<String, Object> properties) {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(properties);
        return c;
    }

    public static void stop(EventLoops loops) {
        ((EventLoopsComponent) loops).deactivate();
    }
}
