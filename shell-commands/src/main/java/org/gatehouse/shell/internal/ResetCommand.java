package org.gatehouse.shell.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.config.AtomicFiles;
import org.gatehouse.core.config.InstallationPaths;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code reset-to-defaults}: the appliance's {@code reset_to_default_settings.sh}. After a confirmation
 * it puts back the shipped configuration ({@code system/defaults/etc/}) over {@code etc/}, removes
 * configuration files the shipped set does not have (pools added later, the installed certificate)
 * and generated material (the self-signed certificate, the certificate backup), and, if asked,
 * empties the logs. Everything it replaces or removes is first copied to
 * {@code data/backup/reset-<time>/}. FileInstall applies the restored files within seconds; nothing
 * restarts. {@code reset-to-defaults --yes [--delete-logs]} does it without asking.
 */
@Component(name = "org.gatehouse.shell.reset-to-defaults", service = Function.class,
        property = {"osgi.command.scope=gatehouse", "osgi.command.function=reset-to-defaults"})
public final class ResetCommand implements Function {

    static final Usage USAGE = new Usage("gatehouse:reset-to-defaults [--yes] [--delete-logs]",
            "restores the shipped configuration and removes generated material (backed up in data/backup/ first)", 0, 2);

    @Reference
    ConfigurationAdmin configurations;

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        PrintStream out = System.out;
        List<String> args = USAGE.arguments(arguments);
        if (args == null) {
            return null;
        }
        for (String a : args) {
            if (!a.equals("--yes") && !a.equals("--delete-logs")) {
                // An option it does not know: nothing is reset, and the command fails (exit 1 over bin/client).
                throw new CommandRefused("usage: " + USAGE);
            }
        }
        boolean deleteLogs = args.contains("--delete-logs");
        if (!args.contains("--yes")) {
            out.println("This restores the shipped configuration of every component (nodes, TURN users and settings,");
            out.println("certificate, listeners, management networks) and removes generated material. A copy of what");
            out.println("it replaces goes to data/backup/ first.");
            SetupCommand.Prompter prompter = new SetupCommand.Prompter(session.getKeyboard(), out);
            try {
                String sure = prompter.ask(new SetupAnswers.Question("confirm", "Reset to the default settings (yes/no)",
                        SetupAnswers::yesNo), "no", false);
                if (!sure.equals("yes")) {
                    out.println("Nothing changed.");
                    return null;
                }
                deleteLogs = prompter.ask(new SetupAnswers.Question("logs", "Keep the logs (yes/no)", SetupAnswers::yesNo), "yes", false)
                        .equals("no");
            } catch (SetupCommand.Prompter.Stopped e) {
                out.println("\nStopped; nothing changed.");
                return null;
            }
        }
        List<String> done = reset(InstallationPaths.home(), InstallationPaths.data(), deleteLogs);
        done.forEach(l -> out.println("  " + l));
        out.println("Default settings restored; they apply within seconds. Run setup to configure this server again.");
        return null;
    }

    List<String> reset(Path home, Path data, boolean deleteLogs) throws IOException {
        Path defaults = home.resolve("system/defaults/etc");
        Path etc = home.resolve("etc");
        if (!Files.isDirectory(defaults)) {
            throw new IOException("the shipped configuration is missing: " + defaults);
        }
        Path backup = data.resolve("backup/reset-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<String> done = new ArrayList<>();
        int restored = 0;
        int removed = 0;
        // Files the shipped set does not have: removed (a .cfg removed deletes its configuration).
        List<Path> current;
        try (Stream<Path> s = Files.walk(etc)) {
            current = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : current) {
            Path rel = etc.relativize(f);
            if (!Files.exists(defaults.resolve(rel))) {
                keep(f, backup.resolve("etc").resolve(rel));
                Files.delete(f);
                removed++;
            }
        }
        List<Path> shipped;
        try (Stream<Path> s = Files.walk(defaults)) {
            shipped = s.filter(Files::isRegularFile).toList();
        }
        for (Path d : shipped) {
            Path target = etc.resolve(defaults.relativize(d));
            byte[] content = Files.readAllBytes(d);
            if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), content)) {
                continue;
            }
            if (Files.exists(target)) {
                keep(target, backup.resolve("etc").resolve(defaults.relativize(d)));
            }
            Files.createDirectories(target.getParent());
            AtomicFiles.write(target, content);
            restored++;
        }
        done.add(restored + " configuration file(s) restored, " + removed + " removed (etc/)");
        int generated = 0;
        for (String g : new String[] {"tls/self-signed.pem", "tls/previous.pem", "tls/last-good.pem"}) {
            Path f = data.resolve(g);
            if (Files.exists(f)) {
                keep(f, backup.resolve("data").resolve(g));
                Files.delete(f);
                generated++;
            }
        }
        if (generated > 0) {
            done.add(generated + " generated file(s) removed (data/tls/); a new self-signed certificate is made for the default name");
            // The TLS component makes the certificate when its configuration is next applied: now.
            Configuration tls = configurations.getConfiguration(SetupConfig.TLS, "?");
            if (tls.getProperties() != null) {
                tls.update(tls.getProperties());
            }
        }
        if (deleteLogs) {
            done.add(emptyLogs(data.resolve("log")) + " log file(s) emptied or removed (data/log/)");
        }
        if (Files.exists(backup)) {
            done.add("what was replaced or removed is in " + backup);
        }
        return done;
    }

    private static void keep(Path file, Path copy) throws IOException {
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The current logs are emptied in place (they are open); rotated ones are removed. */
    private static int emptyLogs(Path logs) throws IOException {
        if (!Files.isDirectory(logs)) {
            return 0;
        }
        int n = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(logs)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            if (f.getFileName().toString().endsWith(".log")) {
                try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    c.truncate(0);
                }
            } else {
                Files.delete(f);
            }
            n++;
        }
        return n;
    }
}
