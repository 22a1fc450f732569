package org.gatehouse.shell.internal;

import org.gatehouse.core.config.InstallationPaths;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Enables the parts of the shell that only the standalone console needs: its {@code help}, which
 * lists the Gatehouse commands Gogo's own help cannot see. Inside Apache Karaf they stay disabled:
 * Karaf's console has its own help, and they would wait there for Gogo services Karaf does not
 * register (Karaf then shows the whole shell bundle as Waiting).
 */
@Component(name = "org.gatehouse.shell.standalone-console", service = {})
public final class StandaloneConsole {

    @Activate
    void activate(ComponentContext context) {
        if (!InstallationPaths.inKaraf()) {
            context.enableComponent(HelpCommand.NAME);
            context.enableComponent(HelpCommand.CONSOLE_NAME);
        }
    }
}
