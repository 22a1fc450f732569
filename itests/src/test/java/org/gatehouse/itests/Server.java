package org.gatehouse.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A headless Gatehouse process started from a copy of the distribution with {@code bin/gatehouse --no-console}. */
final class Server implements AutoCloseable {

    private final Path home;
    private final Process process;
    private final List<String> output = new ArrayList<>();
    private final Thread reader;

    private Server(Path home, Process process) {
        this.home = home;
        this.process = process;
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        }, "gatehouse-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Server start(Path home) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/gatehouse").toString(), "--no-console")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return new Server(home, pb.start());
    }

    Path home() {
        return home;
    }

    /** Console output line matching {@code test}, waiting up to {@code timeout}. */
    String awaitOutput(Predicate<String> test, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (output) {
                for (String l : output) {
                    if (test.test(l)) {
                        return l;
                    }
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such console line within " + timeout + "; output was:\n" + output());
    }

    /** Lines of {@code data/log/gatehouse.log} matching {@code test}, once at least {@code count} exist. */
    List<String> awaitLog(Predicate<String> test, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> found = List.of();
        while (System.nanoTime() < deadline) {
            found = log().stream().filter(test).collect(Collectors.toList());
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("expected " + count + " matching log lines within " + timeout + ", found " + found
                + "; log was:\n" + String.join("\n", log()));
    }

    List<String> log() throws IOException {
        Path log = home.resolve("data/log/gatehouse.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Waits for the process to end by itself (a shutdown command) and returns its exit status, -1 if it did not. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        reader.join(5000);
        return process.exitValue();
    }

    /** Sends SIGTERM and returns the exit status. */
    int terminate() throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of the output pipe.
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not stop within 30 s of SIGTERM; output:\n" + output());
        }
        reader.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
