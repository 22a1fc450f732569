package org.gatehouse.core.internal;

import java.util.List;
import java.util.Map;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.AddressSet;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds the management allow-list; a new list replaces the old one atomically, a bad one is refused. */
@Component(name = "org.gatehouse.core.management-networks", configurationPid = CoreSettings.PID, immediate = true)
public final class ManagementNetworksComponent implements ManagementNetworks {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementNetworksComponent.class);
    static final List<String> DEFAULT = List.of(CoreSettings.DEFAULT_MANAGEMENT_NETWORKS.split(",\\s*"));

    private volatile AddressSet networks = AddressSet.parse(DEFAULT);

    /** The management-networks value refused, for gatehouse:status. */
    ProblemSlot refused = new ProblemSlot(null);

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        refused = new ProblemSlot(context);
        apply(properties, true);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        apply(properties, false);
    }

    private void apply(Map<String, Object> properties, boolean initial) {
        Settings settings = Settings.of(CoreSettings.PID, properties);
        try {
            AddressSet next = settings.addresses(CoreSettings.MANAGEMENT_NETWORKS, DEFAULT);
            if (!next.equals(networks) || initial) {
                if (next.isEmpty()) {
                    // Said loudly: bin/client on this host is refused too, and only the file gives access back.
                    LOG.warn("{}: management networks now none: SSH (bin/client from this host too) and the status page refuse"
                            + " every connection until management-networks lists an address again (127.0.0.0/8, ::1 for this host)",
                            settings.source());
                } else if (!initial) {
                    LOG.info("{}: management networks now {}", settings.source(), next);
                }
                networks = next;
            }
            refused.clear();
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping management networks {}", e.getMessage(), networks);
            refused.refused(e.getMessage(), "keeping management networks " + networks);
        }
    }

    @Deactivate
    void deactivate() {
        refused.clear();
    }

    @Override
    public AddressSet networks() {
        return networks;
    }
}
