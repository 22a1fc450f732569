package org.gatehouse.tls.internal;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A TLS client socket to a loopback test server that accepts any certificate (tests swap them). */
final class TrustingClient {

    private TrustingClient() {
    }

    static SSLSocket connect(int port) throws Exception {
        SSLSocket s = socket(port);
        s.startHandshake();
        return s;
    }

    /** Connected, the handshake not started: protocols and suites can still be chosen. */
    static SSLSocket socket(int port) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        return s;
    }
}
