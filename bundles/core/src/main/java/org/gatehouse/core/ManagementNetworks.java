package org.gatehouse.core;

import java.net.InetAddress;
import org.gatehouse.core.net.AddressSet;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;

/**
 * The networks administrators connect from. Remote shell, metrics and status listeners accept only
 * these sources, and protective filters (PIN brute-force bans) exempt them. Configured as
 * {@code management-networks} in {@code etc/org.gatehouse.core.cfg}; changes apply at once.
 */
public interface ManagementNetworks {

    AddressSet networks();

    default boolean permits(InetAddress source) {
        return networks().contains(source);
    }

    /**
     * Runs {@code changed} each time a change of the list has applied, for a listener to end what it
     * serves to a network taken off: the service's properties are the core file's, so it is modified
     * after the list was taken (or refused and kept). Returns what stops it; with no {@code context}
     * (a unit test, no framework) there is nothing to listen to.
     */
    static Runnable whenChanged(BundleContext context, Runnable changed) {
        if (context == null) {
            return () -> { };
        }
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.MODIFIED) {
                changed.run();
            }
        };
        try {
            context.addServiceListener(listener, "(objectClass=" + ManagementNetworks.class.getName() + ")");
        } catch (InvalidSyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
        return () -> context.removeServiceListener(listener);
    }
}
