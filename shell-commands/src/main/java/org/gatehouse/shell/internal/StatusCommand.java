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
import org.gatehouse.core.Problem;
import org.gatehouse.core.RecentErrors;
import org.gatehouse.core.config.InstallationPaths;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;
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

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile RecentErrors recentErrors;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Listener> listeners;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<StatusSection> sections;

    /**
     * Component property of the parts of the shell that serve the standalone console only (its help,
     * which stands in for Gogo's): inside Apache Karaf they stay disabled, which is no fault.
     */
    static final String STANDALONE_ONLY = "gatehouse.standalone-only";

    /** Problems in force that bundles report themselves (no status listener open, ...). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Problem> problems;

    /**
     * When every reference a component misses is to a service whose API package its bundle cannot
     * see, the bundle providing it is simply not installed (TURN, TLS, ... are optional): the
     * component is off, not broken. Returns those packages, or null when something else is missing.
     */
    private static String absentFeature(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        Bundle bundle = FrameworkUtil.getBundle(StatusCommand.class).getBundleContext().getBundle(d.bundle.id);
        List<String> packages = new ArrayList<>();
        for (org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO missing : c.unsatisfiedReferences) {
            String type = null;
            for (org.osgi.service.component.runtime.dto.ReferenceDTO r : d.references) {
                if (r.name.equals(missing.name)) {
                    type = r.interfaceName;
                }
            }
            if (type == null || bundle == null) {
                return null;
            }
            try {
                bundle.loadClass(type);
                return null;
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                String pkg = type.substring(0, Math.max(0, type.lastIndexOf('.')));
                if (!packages.contains(pkg)) {
                    packages.add(pkg);
                }
            }
        }
        return packages.isEmpty() ? null : String.join(", ", packages);
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    static final Usage STATUS = new Usage("gatehouse:status",
            "one screen: version, uptime, bundles, components, certificate, LDAP, ban, proxy, TURN, listeners, last errors", 0, 0);

    @Descriptor("show version, uptime, Gatehouse bundles and components, I/O threads, listeners and the last errors logged")
    public void status(Object... arguments) {
        if (STATUS.arguments(arguments) != null) {
            // Printed rather than returned: Karaf's non-interactive client does not print return values.
            System.out.print(report());
        }
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
        report.bundles(ours, others, context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class));
        ServiceComponentRuntime scr = componentRuntime;
        if (scr == null) {
            report.components(null);
        } else {
            List<ComponentRow> rows = new ArrayList<>();
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(ours.toArray(new Bundle[0]))) {
                List<String> states = new ArrayList<>();
                if (!scr.isComponentEnabled(d)) {
                    states.add(InstallationPaths.inKaraf() && Boolean.TRUE.equals(d.properties.get(STANDALONE_ONLY))
                            ? ComponentRow.OFF + " (standalone console only; Karaf's console has its own)" : "disabled");
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    String absent = c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE ? absentFeature(d, c) : null;
                    states.add(absent != null ? ComponentRow.OFF + " (" + absent + " not installed)" : ComponentRow.stateName(c));
                }
                if (states.isEmpty() && "require".equals(d.configurationPolicy)) {
                    // One instance per configuration (pools): none configured is a valid setup, not a fault.
                    states.add(ComponentRow.NONE_CONFIGURED);
                }
                rows.add(new ComponentRow(d.name, states));
            }
            report.components(rows);
        }
        List<Listener> open = listeners;
        report.sections(sections);
        report.listeners(open == null ? List.of() : open);
        report.problems(problems);
        report.lastErrors(recentErrors);
        return report.toString();
    }
}
