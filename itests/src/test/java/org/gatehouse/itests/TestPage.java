package org.gatehouse.itests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A page for a browser, served on an ephemeral loopback port: {@code /} is a page from the test
 * resources, {@code /config} a JSON text for it, and the page reports back with a POST to
 * {@code /result} of {@code key=value} lines (a key may come several times).
 */
final class TestPage implements AutoCloseable {

    private final HttpServer server;
    private final CompletableFuture<String> result = new CompletableFuture<>();

    TestPage(String resource, String config) throws IOException {
        byte[] page;
        try (InputStream in = TestPage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            page = in.readAllBytes();
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            if (x.getRequestURI().getPath().equals("/")) {
                send(x, 200, "text/html; charset=utf-8", page);
            } else {
                send(x, 404, "text/plain", new byte[0]);
            }
        });
        server.createContext("/config", x -> send(x, 200, "application/json", config.getBytes(StandardCharsets.UTF_8)));
        server.createContext("/result", x -> {
            result.complete(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            send(x, 204, "text/plain", null);
        });
        server.start();
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.sendResponseHeaders(status, body == null ? -1 : body.length);
        if (body != null) {
            x.getResponseBody().write(body);
        }
        x.close();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The page's report by key, in the order it wrote them; fails after {@code timeout} with {@code browser}'s output. */
    Map<String, List<String>> awaitReport(Duration timeout, Chromium browser) throws Exception {
        String text;
        try {
            text = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the page did not report within " + timeout + "; Chromium said:\n" + browser.output());
        }
        return parse(text);
    }

    /** A report's {@code key=value} lines by key, in the order they came. */
    static Map<String, List<String>> parse(String text) {
        Map<String, List<String>> report = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                report.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return report;
    }

    /** A JSON string literal of {@code s}. */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
