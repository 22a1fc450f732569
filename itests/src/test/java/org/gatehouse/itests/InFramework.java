package org.gatehouse.itests;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import org.gatehouse.core.Listener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** What the Pax Exam tests ask of the framework they run in, and their raw HTTPS requests to it. */
final class InFramework {

    private InFramework() {
    }

    /** The port of the HTTPS listener (the distribution's is on an ephemeral loopback port in tests). */
    static int httpsPort(BundleContext context) throws Exception {
        for (ServiceReference<Listener> r : context.getServiceReferences(Listener.class, null)) {
            Listener l = context.getService(r);
            if (l != null && l.name().equals("https")) {
                return l.address().getPort();
            }
        }
        throw new AssertionError("no HTTPS listener");
    }

    static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " not installed");
    }

    /** An HTTP Basic Authorization value. */
    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A trust-all TLS connection to 127.0.0.1:port with a 10 s read timeout. */
    static SSLSocket connect(int port) throws Exception {
        SSLSocket s = (SSLSocket) TrustAll.context().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        return s;
    }

    /**
     * One GET of {@code path} on the connection: the response head (CRLF line ends) and its
     * Content-Length framed body; what was read of the head when the server closes before its end.
     */
    static String exchange(SSLSocket s, String path, String authorization, boolean keepAlive) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: gatehouse\r\n" + (keepAlive ? "" : "Connection: close\r\n")
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString(StandardCharsets.US_ASCII);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
