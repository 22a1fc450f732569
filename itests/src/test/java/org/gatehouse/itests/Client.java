package org.gatehouse.itests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an installation's {@code bin/client} (the OpenSSH client) against its running server. */
final class Client {

    record Result(int exit, String output) {
    }

    private Client() {
    }

    /** {@code bin/client command...} with {@code stdin} (null: /dev/null) as its standard input. */
    static Result run(Path home, String stdin, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/client").toString()));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/client did not finish: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
