package org.gatehouse.itests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A scrape read by the Prometheus project's own Python client parser
 * ({@code prometheus_client.parser}, Debian package python3-prometheus-client): an independent check
 * that the exposition is valid, beside the tests' own line pattern.
 */
final class PrometheusText {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final String SCRIPT = String.join("\n",
            "import sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "for f in text_string_to_metric_families(sys.stdin.read()):",
            "    if not f.documentation:",
            "        sys.exit('no HELP for ' + f.name)",
            "    if f.type not in ('counter', 'gauge', 'histogram', 'summary', 'untyped', 'info', 'stateset'):",
            "        sys.exit('type ' + f.type + ' of ' + f.name)",
            "    for s in f.samples:",
            "        print(f.type, s.name)",
            "");

    private PrometheusText() {
    }

    /** Null when the parser is there, else why it cannot be used here. */
    static String unavailable() throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            return "/usr/bin/python3 is not installed";
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import prometheus_client.parser").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? null
                : "the Prometheus Python client is not installed (Debian package python3-prometheus-client)";
    }

    /** The samples ("type name" per line) the parser read; fails with the parser's complaint. */
    static List<String> parse(String exposition) throws Exception {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("the Prometheus parser refused the scrape: " + err + "\n" + exposition);
        }
        return out.lines().toList();
    }
}
