package org.gatehouse.shell.internal;

import java.util.List;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** One Declarative Services component and the states of its configurations. */
record ComponentRow(String name, List<String> states) {

    /** A component waiting for a service from a bundle that is not installed: an optional feature left out. */
    static final String OFF = "off";

    /** A component made once per configuration (a pool per file) while there is none. */
    static final String NONE_CONFIGURED = "none configured";

    boolean healthy() {
        return !states.isEmpty() && states.stream().allMatch(s -> s.equals("active") || s.equals("satisfied") || s.startsWith(OFF)
                || s.equals(NONE_CONFIGURED));
    }

    static String stateName(ComponentConfigurationDTO c) {
        switch (c.state) {
            case ComponentConfigurationDTO.ACTIVE:
                return "active";
            case ComponentConfigurationDTO.SATISFIED:
                return "satisfied";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION:
                return "waiting for configuration";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE:
                StringBuilder sb = new StringBuilder("missing");
                for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
                    sb.append(' ').append(r.name);
                }
                return sb.toString();
            case ComponentConfigurationDTO.FAILED_ACTIVATION:
                return "failed: " + c.failure;
            default:
                return "state " + c.state;
        }
    }
}
