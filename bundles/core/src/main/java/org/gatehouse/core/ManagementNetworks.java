package org.gatehouse.core;

import java.net.InetAddress;
import org.gatehouse.core.net.AddressSet;

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
}
