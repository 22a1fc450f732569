package org.gatehouse.balancer.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;

/** The HTTPS front door on loopback with one pool routed at {@code /}, and an HTTPS client for it. */
final class TestProxy implements AutoCloseable {

    static {
        // The front's certificate is self-signed for gatehouse.example.com; the client talks to 127.0.0.1.
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    }

    final TestFront front;
    final PoolComponent pool = new PoolComponent();
    final HttpClient client;
    private final Map<String, Object> properties = new HashMap<>();

    TestProxy(Path home, Map<String, Object> settings) throws Exception {
        this(home, settings, Map.of());
    }

    /** With {@code frontSettings} for the front door (etc/org.gatehouse.tls.cfg). */
    TestProxy(Path home, Map<String, Object> settings, Map<String, Object> frontSettings) throws Exception {
        this(home, settings, frontSettings, c -> { });
    }

    /** With {@code before} done to the pool component before it starts (its name lookups, say). */
    TestProxy(Path home, Map<String, Object> settings, Map<String, Object> frontSettings, Consumer<PoolComponent> before) throws Exception {
        front = new TestFront(home, frontSettings);
        pool.loops = front.loops();
        before.accept(pool);
        properties.put("service.pid", "org.gatehouse.balancer.pool~test");
        properties.put("name", "test");
        properties.put("routes", "/");
        properties.put("tls", "false");
        properties.putAll(settings);
        pool.activate(null, properties);
        front.route(pool.served(), Map.of(HttpRoute.PREFIX, "/"));
        client = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static SSLContext trustAll() throws Exception {
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
        return c;
    }

    /** Changes some settings, as an edit of the pool's file would. */
    void set(String key, Object value) {
        properties.put(key, value);
        pool.modified(new HashMap<>(properties));
    }

    Pool live() {
        return pool.pool();
    }

    URI uri(String path) {
        return URI.create("https://127.0.0.1:" + front.port() + path);
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        pool.deactivate(0);
        front.close();
    }
}
