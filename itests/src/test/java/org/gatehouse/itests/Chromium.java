package org.gatehouse.itests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Headless Debian Chromium ({@code /usr/bin/chromium}) showing one page, with a fresh profile and a
 * hard time limit. Chromium forks a zygote, renderers and utility processes: {@link #close()} ends
 * every one of them, and {@code timeout -s KILL} ends the lot if the test itself is stuck.
 */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");

    /**
     * Headless as root (no sandbox: it needs user namespaces a root CI container may lack), nothing
     * fetched from Google's services, QUIC off, a camera of test frames that needs no permission prompt.
     */
    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream");

    private final Process process;
    private final Path log;

    private Chromium(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Null when Chromium can be run here, else why not. */
    static String unavailable() {
        return Files.isExecutable(BINARY) ? null : BINARY + " is not installed (Debian package chromium)";
    }

    /**
     * Opens {@code url} with a new profile in {@code dir} (its console output goes to
     * {@code dir/chromium.log}); the browser is killed after {@code limit} whatever happens.
     */
    static Chromium open(String url, Path dir, Duration limit, String... flags) throws IOException {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        Path log = dir.resolve("chromium.log");
        List<String> command = new ArrayList<>(List.of("timeout", "-s", "KILL", String.valueOf(limit.toSeconds()), BINARY.toString()));
        command.addAll(FLAGS);
        command.add("--user-data-dir=" + profile);
        command.addAll(List.of(flags));
        command.add(url);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        return new Chromium(process, log);
    }

    /**
     * The flag that makes Chromium trust the certificate in {@code pem} (Gatehouse's self-signed one)
     * by its public key alone: a certificate with any other key still fails.
     */
    static String trusting(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            byte[] key = CertificateFactory.getInstance("X.509").generateCertificate(in).getPublicKey().getEncoded();
            return "--ignore-certificate-errors-spki-list=" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(key));
        }
    }

    /** What Chromium printed so far, for a failure message. */
    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Kills the browser and every process it started; waits until they are gone. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("Chromium process " + p.pid() + " did not end within 10 s of SIGKILL", e);
            }
        }
    }
}
