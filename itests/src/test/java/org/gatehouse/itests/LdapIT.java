package org.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import javax.inject.Inject;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.felix.service.command.CommandProcessor;
import org.gatehouse.core.Listener;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The LDAP filter in the distribution's framework: shipped and started but guarding nothing; an
 * {@code etc/org.gatehouse.auth.ldap.cfg} makes the front door demand directory credentials (UnboundID's
 * in-memory directory on loopback here); stopping the bundle ends that and starting it brings it back,
 * while a connection opened before keeps being served.
 */
@RunWith(PaxExam.class)
public class LdapIT {

    private static final String BASE = "dc=example,dc=com";

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
        InMemoryDirectoryServerConfig dc = new InMemoryDirectoryServerConfig(BASE);
        dc.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0, null));
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(dc);
        Path cfg = Path.of(System.getProperty(FelixOptions.WATCHED), "org.gatehouse.auth.ldap.cfg");
        try {
            directory.add("dn: " + BASE, "objectClass: domain", "dc: example");
            directory.add("dn: cn=gatehouse," + BASE, "objectClass: person", "cn: gatehouse", "sn: s", "userPassword: service-secret");
            directory.add("dn: uid=alice," + BASE, "objectClass: inetOrgPerson", "uid: alice", "cn: Alice", "sn: A", "userPassword: alice-secret");
            directory.startListening();
            int port = httpsPort();

            assertFalse("nothing guarded without the file", get(port, null).startsWith("HTTP/1.1 401"));
            String status = Gogo.run(commands, "gatehouse:status");
            assertTrue(status, status.contains("LDAP\n  not guarding"));
            assertTrue(status, status.matches("(?s).*ok\\s+auth\\.ldap: active\n.*"));
            assertFalse(status, status.contains("LDAP:"));

            write(cfg, "url = ldap://127.0.0.1:" + directory.getListenPort() + "\nbind-dn = cn=gatehouse," + BASE
                    + "\nbind-password = service-secret\nbase = " + BASE + "\nrealm = IT\n");
            FelixBundlesIT.awaitTrue(() -> get(port, null).startsWith("HTTP/1.1 401"));
            assertTrue(get(port, null).contains("www-authenticate: Basic realm=\"IT\""));
            assertFalse(get(port, basic("alice", "alice-secret")).startsWith("HTTP/1.1 401"));
            assertTrue(get(port, basic("alice", "wrong")).startsWith("HTTP/1.1 401"));
            String test = Gogo.run(commands, "ldap:test alice alice-secret");
            assertTrue(test, test.contains("Accepted"));
            String guarded = Gogo.run(commands, "gatehouse:status");
            assertTrue(guarded, guarded.contains("guarding / against ldap://127.0.0.1:" + directory.getListenPort()));
            assertTrue(guarded, guarded.contains("directory reachable: it answered the last login"));
            assertTrue(guarded, guarded.contains("since start: 1 logins accepted, 1 refused, 0 answered 503"));

            Bundle ldap = bundle("org.gatehouse.auth.ldap");
            try (SSLSocket open = connect(port)) {
                String first = exchange(open, basic("alice", "alice-secret"), true);
                assertTrue(first, first.startsWith("HTTP/1.1 ") && !first.startsWith("HTTP/1.1 401"));
                ldap.stop();
                FelixBundlesIT.awaitTrue(() -> !get(port, null).startsWith("HTTP/1.1 401"));
                String again = exchange(open, null, false);
                assertTrue("the connection opened before is still served, now without credentials: " + again,
                        again.startsWith("HTTP/1.1 ") && !again.startsWith("HTTP/1.1 401"));
            }
            ldap.start();
            FelixBundlesIT.awaitTrue(() -> get(port, null).startsWith("HTTP/1.1 401"));
        } finally {
            Files.deleteIfExists(cfg);
            directory.shutDown(true);
        }
        int port = httpsPort();
        FelixBundlesIT.awaitTrue(() -> !get(port, null).startsWith("HTTP/1.1 401"));
        assertEquals(Bundle.ACTIVE, bundle("org.gatehouse.auth.ldap").getState());
    }

    private int httpsPort() throws Exception {
        for (ServiceReference<Listener> r : context.getServiceReferences(Listener.class, null)) {
            Listener l = context.getService(r);
            if (l != null && l.name().equals("https")) {
                return l.address().getPort();
            }
        }
        throw new AssertionError("no HTTPS listener");
    }

    private Bundle bundle(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(name + " not installed");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String get(int port, String authorization) throws Exception {
        try (SSLSocket s = connect(port)) {
            return exchange(s, authorization, false);
        }
    }

    /** One GET of /webapp/ on the connection; the response head and body (Content-Length framed). */
    private static String exchange(SSLSocket s, String authorization, boolean keepAlive) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET /webapp/ HTTP/1.1\r\nHost: gatehouse\r\n" + (keepAlive ? "" : "Connection: close\r\n")
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static SSLSocket connect(int port) throws Exception {
        SSLContext c = TrustAll.context();
        SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void write(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
