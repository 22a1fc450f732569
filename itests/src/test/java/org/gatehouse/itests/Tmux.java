package org.gatehouse.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** A real terminal for console tests: one tmux session, keys sent to it, its screen read back. */
final class Tmux implements AutoCloseable {

    private final String session;

    /** Starts {@code command} in a detached session of {@code width} x {@code height}. */
    Tmux(String name, int width, int height, String command) throws IOException, InterruptedException {
        this.session = "gatehouse-it-" + name + "-" + ProcessHandle.current().pid();
        run("new-session", "-d", "-s", session, "-x", String.valueOf(width), "-y", String.valueOf(height), command);
    }

    void keys(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        run(args.toArray(new String[0]));
    }

    /** The screen with 300 lines of history once it matches {@code p}, waiting up to 40 s. */
    String await(Pattern p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = run("capture-pane", "-p", "-t", session, "-S", "-300");
            if (p.matcher(screen).matches()) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("screen never matched " + p + ":\n" + screen);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("kill-session", "-t", session);
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    /** Whether {@code tool} is on the PATH. */
    static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }
}
