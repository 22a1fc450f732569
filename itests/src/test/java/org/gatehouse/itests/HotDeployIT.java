package org.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** A Gatehouse bundle dropped into the watched folder of a running framework starts; deleting it removes it. */
@RunWith(PaxExam.class)
public class HotDeployIT {

    private static final String FILTER = "(&(osgi.command.scope=gatehouse)(osgi.command.function=status))";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        Path shell = Distribution.systemJar("org.gatehouse.shell");
        return options(FelixOptions.distribution(Distribution.startsWith("org.gatehouse.shell")),
                systemProperty("gatehouse.itest.shell").value(shell.toString()));
    }

    @Test
    public void bundleCopiedIntoDeployStartsAndDeletedBundleIsRemoved() throws Exception {
        assertNull(shellBundle());
        Path deployed = Path.of(System.getProperty(FelixOptions.WATCHED), "org.gatehouse.shell.jar");
        Path tmp = deployed.resolveSibling("shell.tmp");
        Files.copy(Path.of(System.getProperty("gatehouse.itest.shell")), tmp);
        Files.move(tmp, deployed, StandardCopyOption.ATOMIC_MOVE);

        FelixBundlesIT.awaitTrue(() -> shellBundle() != null && shellBundle().getState() == Bundle.ACTIVE);
        FelixBundlesIT.awaitTrue(() -> statusCommand() != null);
        Bundle core = bundleNamed("org.gatehouse.core");
        long coreId = core.getBundleId();

        Files.delete(deployed);
        FelixBundlesIT.awaitTrue(() -> shellBundle() == null);
        assertNull(statusCommand());
        // The rest of the server did not restart.
        assertEquals(Bundle.ACTIVE, context.getBundle(coreId).getState());
    }

    private ServiceReference<?>[] statusCommand() throws Exception {
        return context.getServiceReferences((String) null, FILTER);
    }

    private Bundle shellBundle() {
        return bundleNamed("org.gatehouse.shell");
    }

    private Bundle bundleNamed(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return b;
            }
        }
        return null;
    }
}
