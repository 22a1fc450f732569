package org.gatehouse.shell.internal;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.ManagementNetworks;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** {@code gatehouse:status}: one screen that says whether the server is whole. */
@Component(name = "org.gatehouse.shell.status", service = StatusCommand.class, property = {
        "osgi.command.scope=gatehouse",
        "osgi.command.function=status"
})
public final class StatusCommand {

    static final String BUNDLE_PREFIX = "org.gatehouse.";

    private BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventLoops eventLoops;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ManagementNetworks managementNetworks;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime componentRuntime;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Listener> listeners;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Descriptor("show version, uptime, Gatehouse bundles and components, I/O threads and listeners")
    public void status() {
        // Printed rather than returned: Karaf's non-interactive client does not print return values.
        System.out.print(report());
    }

    String report() {
        StatusReport report = new StatusReport();
        report.header(context.getBundle().getVersion().toString(),
                Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()),
                Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime()));
        report.io(eventLoops);
        ManagementNetworks m = managementNetworks;
        report.managementNetworks(m == null ? null : m.networks());
        List<Bundle> ours = new ArrayList<>();
        List<Bundle> others = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            if (name != null && name.startsWith(BUNDLE_PREFIX)) {
                ours.add(b);
            } else {
                others.add(b);
            }
        }
        report.bundles(ours, others);
        ServiceComponentRuntime scr = componentRuntime;
        if (scr == null) {
            report.components(null);
        } else {
            List<ComponentRow> rows = new ArrayList<>();
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(ours.toArray(new Bundle[0]))) {
                List<String> states = new ArrayList<>();
                if (!scr.isComponentEnabled(d)) {
                    states.add("disabled");
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    states.add(ComponentRow.stateName(c));
                }
                rows.add(new ComponentRow(d.name, states));
            }
            report.components(rows);
        }
        List<Listener> open = listeners;
        report.listeners(open == null ? List.of() : open);
        return report.toString();
    }
}
