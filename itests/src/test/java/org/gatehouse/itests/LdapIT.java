package org.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.inject.Inject;
import javax.net.ssl.SSLSocket;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The LDAP filter in the distribution's framework: shipped and started but guarding nothing; an
 * {@code etc/org.gatehouse.auth.ldap.cfg} makes the front door demand directory credentials (UnboundID's
 * in-memory directory on loopback here); stopping the bundle ends that and starting it brings it back,
 * while a connection opened before keeps being served.
 */
@RunWith(PaxExam.class)
public class LdapIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] config() {
        return options(FelixOptions.distribution(jar -> false));
    }

    @Test
    public void theFilterGuardsOnlyWhenConfiguredAndComesAndGoesWithItsBundle() throws Exception {
        TestDirectory directory = TestDirectory.start();
        Path cfg = Path.of(System.getProperty(FelixOptions.WATCHED), "org.gatehouse.auth.ldap.cfg");
        try {
            int port = InFramework.httpsPort(context);

            assertFalse("nothing guarded without the file", get(port, null).startsWith("HTTP/1.1 401"));
            String status = Gogo.run(commands, "gatehouse:status");
            assertTrue(status, status.contains("LDAP\n  not guarding"));
            assertTrue(status, status.matches("(?s).*ok\\s+auth\\.ldap: active\n.*"));
            assertFalse(status, status.contains("LDAP:"));

            ConfigFile.replace(cfg, directory.settings());
            FelixBundlesIT.awaitTrue(() -> get(port, null).startsWith("HTTP/1.1 401"));
            assertTrue(get(port, null).contains("www-authenticate: Basic realm=\"IT\""));
            assertFalse(get(port, InFramework.basic("alice", "alice-secret")).startsWith("HTTP/1.1 401"));
            assertTrue(get(port, InFramework.basic("alice", "wrong")).startsWith("HTTP/1.1 401"));
            String test = Gogo.run(commands, "ldap:test alice alice-secret");
            assertTrue(test, test.contains("Accepted"));
            String guarded = Gogo.run(commands, "gatehouse:status");
            assertTrue(guarded, guarded.contains("guarding / against ldap://127.0.0.1:" + directory.port()));
            assertTrue(guarded, guarded.contains("directory reachable: it answered the last login"));
            assertTrue(guarded, guarded.contains("since start: 1 logins accepted, 1 refused, 0 answered 503"));

            Bundle ldap = InFramework.bundle(context, "org.gatehouse.auth.ldap");
            try (SSLSocket open = InFramework.connect(port)) {
                String first = InFramework.exchange(open, "/webapp/", InFramework.basic("alice", "alice-secret"), true);
                assertTrue(first, first.startsWith("HTTP/1.1 ") && !first.startsWith("HTTP/1.1 401"));
                ldap.stop();
                FelixBundlesIT.awaitTrue(() -> !get(port, null).startsWith("HTTP/1.1 401"));
                String again = InFramework.exchange(open, "/webapp/", null, false);
                assertTrue("the connection opened before is still served, now without credentials: " + again,
                        again.startsWith("HTTP/1.1 ") && !again.startsWith("HTTP/1.1 401"));
            }
            ldap.start();
            FelixBundlesIT.awaitTrue(() -> get(port, null).startsWith("HTTP/1.1 401"));
        } finally {
            Files.deleteIfExists(cfg);
            directory.close();
        }
        int port = InFramework.httpsPort(context);
        FelixBundlesIT.awaitTrue(() -> !get(port, null).startsWith("HTTP/1.1 401"));
        assertEquals(Bundle.ACTIVE, InFramework.bundle(context, "org.gatehouse.auth.ldap").getState());
    }

    /** A GET of /webapp/ on a new connection: the response head and body. */
    private static String get(int port, String authorization) throws Exception {
        try (SSLSocket s = InFramework.connect(port)) {
            return InFramework.exchange(s, "/webapp/", authorization, false);
        }
    }
}
