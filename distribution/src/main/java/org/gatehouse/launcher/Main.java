package org.gatehouse.launcher;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.gatehouse.launcher.internal.LaunchSettings;
import org.gatehouse.launcher.internal.Boot;

/**
 * {@code bin/gatehouse [--no-console]}. With a terminal and no {@code --no-console} the Gogo shell
 * runs in the foreground; otherwise the server runs headless until SIGTERM.
 */
public final class Main {

    private Main() {
    }

    /**
     * Whether standard input and output are a terminal. From JDK 22 System.console() is not null
     * for redirected streams either; Console.isTerminal() (JDK 22+) says what older JDKs' null did.
     */
    static boolean isTerminal(Console console) {
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** Held for the life of the process: released (by the system) only when it ends. */
    private static FileChannel lockFile;

    /**
     * Takes {@code data/gatehouse.lock}, so that a second server started on the same folder stops at
     * once: it would wipe the running one's framework cache (data/cache, cleaned at every start) and
     * share its UDP ports (SO_REUSEPORT), sending some clients to a server that has no allocation for
     * them. Returns why it cannot be taken, or null once held.
     */
    static String lock(Path home) {
        Path file = home.resolve("data/gatehouse.lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return "another Gatehouse is running on " + home + " (it holds data/gatehouse.lock); stop it first";
            }
            lockFile = channel;
            return null;
        } catch (IOException | OverlappingFileLockException e) {
            return "cannot lock " + file + ": " + e.getMessage() + " (run as the user that owns " + home.resolve("data") + ")";
        }
    }

    public static void main(String[] args) {
        List<String> options = Arrays.asList(args);
        PrintStream err = System.err;
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println("usage: gatehouse [--no-console]\n"
                    + "  --no-console  run headless (as a service); also the default when there is no terminal\n"
                    + "Settings: etc/gatehouse.properties; component configuration: etc/*.cfg; bundles: system/, deploy/");
            return;
        }
        for (String o : options) {
            if (!o.equals("--no-console")) {
                err.println("gatehouse: unknown option '" + o + "' (try --help)");
                System.exit(2);
            }
        }
        boolean interactive = isTerminal(System.console()) && !options.contains("--no-console");
        Path home = Path.of(System.getProperty("gatehouse.home", ".")).toAbsolutePath().normalize();
        if (!Files.isDirectory(home.resolve("system"))) {
            err.println("gatehouse: " + home + " has no system/ folder; set -Dgatehouse.home to the installation folder");
            System.exit(2);
        }
        String held = lock(home);
        if (held != null) {
            err.println("gatehouse: " + held);
            System.exit(2);
        }
        int status;
        try {
            do {
                LaunchSettings settings = LaunchSettings.load(home, interactive);
                status = new Boot(settings).run();
            } while (status == Boot.RESTART);
        } catch (LaunchSettings.BadSettingsException e) {
            err.println("gatehouse: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            err.println("gatehouse: could not start: " + e);
            e.printStackTrace(err);
            status = 1;
        }
        System.exit(status);
    }
}
