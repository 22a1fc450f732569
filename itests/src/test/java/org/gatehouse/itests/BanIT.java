package org.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import javax.inject.Inject;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.apache.felix.service.command.CommandProcessor;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.tls.http.HttpRoute;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The PIN brute-force ban in the distribution's bundle set: a test route plays the conferencing node
 * (403 to a token request with a wrong PIN), loopback is taken out of the management networks, and
 * after max-failures wrong PINs over HTTPS the address gets 429 until {@code ban:remove} lifts it;
 * {@code ban:list} and {@code gatehouse:status} show the ban.
 */
@RunWith(PaxExam.class)
public class BanIT {

    private static final String TOKEN = "/api/client/v2/conferences/meet/request_token";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Inject
    private ManagementNetworks managementNetworks;

    @Configuration
    public Option[] config() {
        return options(FelixOptions.distribution(jar -> false));
    }

    @Test
    public void wrongPinsBanTheAddressUntilBanRemoveLiftsIt() throws Exception {
        Path watched = Path.of(System.getProperty(FelixOptions.WATCHED));
        Files.writeString(watched.resolve("org.gatehouse.core.cfg"), "management-networks = 10.99.0.0/16\n");
        Files.writeString(watched.resolve("org.gatehouse.ban.cfg"), "max-failures = 3\nfind-time = 60\nban-time = 600\n");
        FelixBundlesIT.awaitTrue(() -> !managementNetworks.permits(InetAddress.getByName("127.0.0.1")));
        FelixBundlesIT.awaitTrue(() -> banList().startsWith("3 failed PIN attempts within 60 s"));

        HttpRoute node = x -> {
            boolean wrongPin = x.request().method().equals(HttpMethod.POST) && x.path().endsWith("/request_token")
                    && !"1234".equals(x.request().headers().get("pin"));
            x.respond(wrongPin ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.OK, "application/json", "{}");
        };
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpRoute.PREFIX, "/api/");
        ServiceRegistration<HttpRoute> route = context.registerService(HttpRoute.class, node, props);
        try {
            int port = InFramework.httpsPort(context);
            assertEquals(200, request(port, "POST", TOKEN, "1234"));
            for (int i = 0; i < 3; i++) {
                assertEquals(403, request(port, "POST", TOKEN, "0000"));
            }
            assertEquals(429, request(port, "GET", "/api/client/v2/conferences/meet/status", null));
            assertEquals(429, request(port, "POST", TOKEN, "1234"));

            String list = Gogo.run(commands, "ban:list");
            assertTrue(list, list.matches("(?s).*\n127\\.0\\.0\\.1 +3  .*\n1 address banned\n.*"));
            String status = Gogo.run(commands, "gatehouse:status");
            assertTrue(status, status.contains("\nPIN ban\n"));
            assertTrue(status, status.contains("1 banned, 0 counting"));

            String removed = Gogo.run(commands, "ban:remove 127.0.0.1");
            assertTrue(removed, removed.contains("127.0.0.1: ban lifted"));
            assertEquals(200, request(port, "GET", "/api/client/v2/conferences/meet/status", null));
            assertTrue(Gogo.run(commands, "ban:list").contains("No address is banned."));
            // Not an address: refused, and the command fails (exit 1 over bin/client).
            // (try/catch: the probe bundle does not import org.junit.function for assertThrows)
            String refusal = null;
            try {
                Gogo.run(commands, "ban:remove gatehouse.example.com");
            } catch (IllegalArgumentException e) {
                refusal = e.getMessage();
            }
            assertTrue(String.valueOf(refusal), refusal != null && refusal.startsWith("ban:remove: 'gatehouse.example.com' is not"));
        } finally {
            route.unregister();
        }
    }

    /** ban:list, or "" while the command is not registered yet. */
    private String banList() {
        try {
            return Gogo.run(commands, "ban:list");
        } catch (Exception e) {
            return "";
        }
    }

    /** The status of one request over a new connection, certificate unchecked (the server's is self-signed). */
    private static int request(int port, String method, String path, String pin) throws Exception {
        SSLContext tls = TrustAll.context();
        HttpsURLConnection c = (HttpsURLConnection) new URL("https://127.0.0.1:" + port + path).openConnection();
        c.setSSLSocketFactory(tls.getSocketFactory());
        c.setHostnameVerifier((host, session) -> true);
        c.setRequestMethod(method);
        c.setRequestProperty("Connection", "close");
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        if (pin != null) {
            c.setRequestProperty("pin", pin);
        }
        if (method.equals("POST")) {
            c.setDoOutput(true);
            c.getOutputStream().write("{}".getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        if (status == 429) {
            int retryAfter = Integer.parseInt(c.getHeaderField("Retry-After"));
            assertTrue("Retry-After " + retryAfter, retryAfter > 590 && retryAfter <= 600);
        }
        c.disconnect();
        return status;
    }
}
