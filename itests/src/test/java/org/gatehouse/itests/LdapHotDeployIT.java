package org.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.inject.Inject;
import javax.net.ssl.SSLSocket;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Issue 7's hot deploy, with the reverse proxy serving: event streams opened through the HTTPS front
 * door to a loopback conferencing node before any guard; starting the LDAP bundle makes new requests on
 * the proxied routes demand directory credentials (UnboundID's in-memory directory on loopback),
 * stopping it ends that, starting it again brings it back, and the streams opened before flow on
 * through all of it, on their first connections, never restarted.
 */
@RunWith(PaxExam.class)
public class LdapHotDeployIT {

    private static final String STATUS = "/api/client/v2/status";
    private static final String EVENTS = "/api/client/v2/conferences/x/events";
    private static final int STREAMS = 3;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return options(FelixOptions.distribution(jar -> false));
    }

    @Test
    public void theBundleComesAndGoesWhileTheProxyServesAndOpenEventStreamsFlowOn() throws Exception {
        TestDirectory directory = TestDirectory.start();
        Path watched = Path.of(System.getProperty(FelixOptions.WATCHED));
        Path ldapCfg = watched.resolve("org.gatehouse.auth.ldap.cfg");
        Path poolCfg = watched.resolve("org.gatehouse.balancer.pool-conferencing.cfg");
        Bundle ldap = InFramework.bundle(context, "org.gatehouse.auth.ldap");
        List<EventStream> streams = new ArrayList<>();
        EventNode node = new EventNode();
        try {
            int port = InFramework.httpsPort(context);

            // The proxy serves, the LDAP bundle is not running; its settings are in place for when it starts.
            ldap.stop();
            ConfigFile.replace(poolCfg, "nodes = " + node.address() + "\ntls = false\n");
            ConfigFile.replace(ldapCfg, directory.settings());
            FelixBundlesIT.awaitTrue(() -> get(port, STATUS, null).equals("200 node " + STATUS + " authorization=null"));

            for (int i = 0; i < STREAMS; i++) {
                streams.add(new EventStream(port, EVENTS));
            }
            assertTrue(streams.get(0).head, streams.get(0).head.toLowerCase(Locale.ROOT).contains("content-type: text/event-stream"));
            flowing(streams);

            ldap.start();
            FelixBundlesIT.awaitTrue(() -> get(port, STATUS, null).startsWith("401 "));
            guarded(port, node, "first start");
            flowing(streams);

            ldap.stop();
            FelixBundlesIT.awaitTrue(() -> get(port, STATUS, null).startsWith("200 "));
            assertEquals("200 node " + STATUS + "?stopped authorization=null", get(port, STATUS + "?stopped", null));
            flowing(streams);

            ldap.start();
            FelixBundlesIT.awaitTrue(() -> get(port, STATUS, null).startsWith("401 "));
            guarded(port, node, "second start");
            flowing(streams);

            // An update (the same jar again) stops the bundle for a moment only: meanwhile the guarded
            // paths are answered 503 (or 401), never served without credentials.
            List<String> during = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread probe = new Thread(() -> {
                int i = 0;
                while (probing.get()) {
                    try {
                        during.add(get(port, STATUS + "?anonymous-update-" + i++, null).substring(0, 3));
                    } catch (Exception e) {
                        during.add(e.toString());
                    }
                }
            });
            probe.start();
            Thread.sleep(200);
            ldap.update();
            FelixBundlesIT.awaitTrue(() -> ldap.getState() == Bundle.ACTIVE && get(port, STATUS, null).startsWith("401 "));
            Thread.sleep(200);
            probing.set(false);
            probe.join(10_000);
            assertTrue("answers while the bundle was updated: " + during, !during.isEmpty() && during.stream().allMatch(a -> a.equals("401") || a.equals("503")));
            guarded(port, node, "after update");
            flowing(streams);

            for (EventStream s : streams) {
                assertTrue(s.toString(), s.open());
                assertNull(s.toString(), s.problem());
            }
            assertEquals("every stream is still served by the node", STREAMS, node.streaming.get());
            assertEquals("no stream ended at the node", 0, node.streamsEnded.get());
            assertEquals("no stream was opened again", STREAMS, node.requests.stream().filter(r -> r.startsWith(EVENTS + " ")).count());
            List<String> leaked = node.requests.stream().filter(r -> r.contains("?anonymous-")).toList();
            assertTrue("unauthenticated requests reached the node while guarded: " + leaked, leaked.isEmpty());
            List<String> withPassword = node.requests.stream().filter(r -> !r.endsWith(" authorization=null")).toList();
            assertTrue("the directory password reached the node: " + withPassword, withPassword.isEmpty());
        } finally {
            // The clients leave first: a node that cut its streams short would be counted as failing.
            for (EventStream s : streams) {
                s.close();
            }
            node.close();
            if (ldap.getState() != Bundle.ACTIVE) {
                ldap.start();
            }
            Files.deleteIfExists(ldapCfg);
            Files.deleteIfExists(poolCfg);
            directory.close();
        }
    }

    /** New requests on the proxied routes, a stream among them, need credentials; the right ones reach the node. */
    private static void guarded(int port, EventNode node, String when) throws Exception {
        for (String path : List.of(STATUS + "?anonymous-" + when.replace(' ', '-'), EVENTS + "?anonymous-" + when.replace(' ', '-'),
                "/webapp/?anonymous-" + when.replace(' ', '-'))) {
            String answer = get(port, path, null);
            assertTrue(when + ": " + path + " answered " + answer, answer.startsWith("401 ")
                    && answer.contains("\nwww-authenticate: Basic realm=\"IT\", charset=\"UTF-8\"\n"));
            assertTrue(get(port, path, InFramework.basic("alice", "wrong")).startsWith("401 "));
        }
        String ok = get(port, STATUS + "?alice", InFramework.basic("alice", "alice-secret"));
        assertEquals(when, "200 node " + STATUS + "?alice authorization=null", ok);
        assertTrue(node.requests.contains(STATUS + "?alice authorization=null"));
    }

    /** Each stream gets at least three more events in order (about 0.3 s of them). */
    private static void flowing(List<EventStream> streams) throws Exception {
        long[] before = streams.stream().mapToLong(EventStream::received).toArray();
        FelixBundlesIT.awaitTrue(() -> {
            for (int i = 0; i < streams.size(); i++) {
                EventStream s = streams.get(i);
                assertNull(s.toString(), s.problem());
                if (s.received() < before[i] + 3) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * One GET on a new connection: the status code, then (for a 401) the response head,
     * or the body, which the node makes its path and the Authorization header it got.
     */
    private static String get(int port, String path, String authorization) throws Exception {
        String answer;
        try (SSLSocket s = InFramework.connect(port)) {
            answer = InFramework.exchange(s, path, authorization, false);
        }
        int end = answer.indexOf("\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 ") || end < 0) {
            return "no answer: " + answer;
        }
        String code = answer.substring(9, 12);
        return code.equals("401") ? code + " " + answer.substring(0, end + 4).replace("\r\n", "\n") : code + " " + answer.substring(end + 4);
    }
}
