package org.gatehouse.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.gatehouse.stun.StunService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The appliance wizard's "TURN: disable" as a bundle set: the distribution without the TURN, TLS, content
 * and ban bundles (and Bouncy Castle, netty-tcnative). STUN serves UDP and TCP, no TLS listener opens, every
 * bundle is active, and {@code gatehouse:status} reports the left-out features as off, not as problems.
 */
@RunWith(PaxExam.class)
public class StunOnlyIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Inject
    private StunService stun;

    @Configuration
    public Option[] config() {
        return options(FelixOptions.distribution(jar -> {
            String name = jar.getFileName().toString();
            return name.startsWith("org.gatehouse.turn") || name.startsWith("org.gatehouse.tls") || name.startsWith("org.gatehouse.content") || name.startsWith("org.gatehouse.balancer") || name.startsWith("org.gatehouse.ban") || name.startsWith("bc")
                    || name.startsWith("netty-tcnative")
                    // MINA SSHD also looks for Bouncy Castle on the system class path, where this test
                    // JVM has it: without the bc bundles in the framework its key code would fail.
                    || name.startsWith("org.gatehouse.ssh") || name.startsWith("sshd-osgi");
        }));
    }

    @Test
    public void stunServesAloneAndStatusSaysTheRestIsOff() throws Exception {
        for (Bundle b : context.getBundles()) {
            assertFalse(b.getSymbolicName(), b.getSymbolicName().startsWith("org.gatehouse.tls")
                    || b.getSymbolicName().startsWith("org.gatehouse.turn"));
            if (b.getHeaders().get("Fragment-Host") == null) {
                assertTrue(b.getSymbolicName() + " state " + b.getState(), b.getState() == Bundle.ACTIVE);
            }
        }
        assertTrue(stun.listeners().toString(), stun.listeners().stream().anyMatch(l -> l.protocol().equals("udp")));
        assertNull(stun.listeners().stream().filter(l -> l.protocol().equals("tls")).findAny().orElse(null));
        String status = run("gatehouse:status");
        assertTrue(status, status.contains("All well."));
        assertTrue(status, status.contains("stun.tls: off (org.gatehouse.tls not installed)"));
        assertTrue(status, status.contains("shell.turn: off (org.gatehouse.turn not installed)"));
        assertTrue(status, status.contains("shell.ban: off (org.gatehouse.ban not installed)"));
        assertFalse(status, status.contains("\nTURN\n"));
    }

    private String run(String command) throws Exception {
        return Gogo.run(commands, command);
    }
}
