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
 * The appliance wizard's "TURN: disable" as a bundle set: the distribution without the TURN, TLS and content
 * bundles, the bundles built on TLS (balancer, PIN ban, LDAP authentication), Bouncy Castle and netty-tcnative. STUN
 * serves UDP and TCP, no TLS listener opens, every bundle is active, and {@code gatehouse:status} reports the
 * left-out features as off, not as problems.
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
            return name.startsWith("org.gatehouse.turn") || name.startsWith("org.gatehouse.tls") || name.startsWith("org.gatehouse.content") || name.startsWith("org.gatehouse.balancer") || name.startsWith("org.gatehouse.ban") || name.startsWith("org.gatehouse.auth.ldap") || name.startsWith("bc")
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
        assertTrue(status, status.contains("status.turn: off (org.gatehouse.turn not installed)"));
        assertTrue(status, status.contains("status.ban: off (org.gatehouse.ban not installed)"));
        assertTrue(status, status.contains("status.ldap: off (org.gatehouse.auth.ldap not installed)"));

        // The metrics endpoint serves what is installed: STUN and the process, nothing of TURN or the proxy.
        String metrics = statusGet("/metrics");
        assertTrue(metrics, metrics.contains("\ngatehouse_stun_binding_requests_total "));
        assertTrue(metrics, metrics.contains("\ngatehouse_jvm_heap_used_bytes "));
        assertFalse(metrics, metrics.contains("gatehouse_turn_") || metrics.contains("gatehouse_proxy_")
                || metrics.contains("gatehouse_certificate_") || metrics.contains("gatehouse_ban_") || metrics.contains("gatehouse_ldap_"));
        assertTrue(metrics, metrics.contains("\ngatehouse_log_events_total{level=\"error\"} "));
        String page = statusGet("/");
        assertTrue(page, page.contains("<h2>STUN</h2>") && !page.contains("<h2>TURN</h2>"));
    }

    private String statusGet(String path) throws Exception {
        org.gatehouse.core.Listener listener = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (listener == null && System.nanoTime() < deadline) {
            for (org.osgi.framework.ServiceReference<org.gatehouse.core.Listener> r : context.getServiceReferences(
                    org.gatehouse.core.Listener.class, null)) {
                org.gatehouse.core.Listener l = context.getService(r);
                if (l.name().equals("status")) {
                    listener = l;
                }
            }
            if (listener == null) {
                Thread.sleep(100);
            }
        }
        assertTrue("a status listener is registered", listener != null);
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:"
                + listener.address().getPort() + path).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        assertTrue(path + " answers 200", c.getResponseCode() == 200);
        try (java.io.InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private String run(String command) throws Exception {
        return Gogo.run(commands, command);
    }
}
