package org.gatehouse.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The {@link Problem}s a component reports now: after each change the component states what is
 * wrong ({@link #set(String)} for one line, {@link #set(List)} for several), and the slot registers
 * the new lines as Problem services and unregisters those no longer stated, so gatehouse:status
 * keeps in step. A failure only logged would soon be out of sight while the status says "All well."
 */
public final class ProblemSlot {

    private final BundleContext context;
    /** Each line in force, with its registration (null outside OSGi). */
    private final Map<String, ServiceRegistration<Problem>> lines = new LinkedHashMap<>();

    /** @param context where the Problem services are registered; null (outside OSGi): the lines are only kept */
    public ProblemSlot(BundleContext context) {
        this.context = context;
    }

    /** Makes {@code problem} the one line in force; null: none. */
    public void set(String problem) {
        set(problem == null ? List.of() : List.of(problem));
    }

    /** Makes {@code now} the lines in force: new ones are registered, those no longer in it unregistered. */
    public synchronized void set(List<String> now) {
        lines.entrySet().removeIf(e -> {
            if (now.contains(e.getKey())) {
                return false;
            }
            unregister(e.getValue());
            return true;
        });
        for (String text : now) {
            if (!lines.containsKey(text)) {
                lines.put(text, context == null ? null : context.registerService(Problem.class, () -> text, null));
            }
        }
    }

    /**
     * States that a configuration file was refused: {@code why} as logged (file, key, reason) and what
     * runs meanwhile ({@code inForce}, e.g. "keeping the running STUN configuration"). Without this an
     * operator who reads only gatehouse:status sees "All well." while the file they edited is ignored.
     * {@link #clear()} once a valid file is applied.
     */
    public void refused(String why, String inForce) {
        set(why + "; " + inForce + " until the file is fixed (none of its changes apply meanwhile)");
    }

    /** The lines in force. */
    public synchronized List<String> lines() {
        return new ArrayList<>(lines.keySet());
    }

    /** The lines in force as one text, or null when there is none (a component that states one line). */
    public synchronized String text() {
        return lines.isEmpty() ? null : String.join("; ", lines.keySet());
    }

    /** For deactivation: no problem left behind. */
    public void clear() {
        set(List.of());
    }

    private static void unregister(ServiceRegistration<Problem> registration) {
        if (registration == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }
}
