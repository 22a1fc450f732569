package org.gatehouse.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.SecretInput;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.ServerCertificates;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code setup}: the appliance's installation wizard, for what belongs to the application — names,
 * conferencing nodes, web proxy, TURN, NAT, management networks, certificate. Each question shows the
 * value in force as its default; each answer is checked before the next question. The answers are
 * written to the {@code etc/*.cfg} files through ConfigAdmin and apply at once: running it again
 * changes a running server, calls and sessions go on. {@code setup <file>} takes the answers from a
 * file instead (same keys, {@code key = value}), for automation.
 */
@Component(name = "org.gatehouse.shell.setup", service = SetupCommand.class, property = {
        "osgi.command.scope=gatehouse",
        "osgi.command.function=setup"
})
public final class SetupCommand {

    @Reference
    ConfigurationAdmin configurations;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile TurnAccounts users;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile ServerCertificates certificates;

    /** The components' {@code .cfg} files; null: the installation's {@code etc/}. */
    Path etcFolder;

    private Path etc() {
        return etcFolder != null ? etcFolder : InstallationPaths.home().resolve("etc");
    }

    static final Usage SETUP = new Usage("gatehouse:setup [file]",
            "the installation wizard: asks each setting with its current value as default, then applies them live\n"
            + "  with a file: applies the answers in it (key = value, the wizard's keys) without asking", 0, 1);

    @Descriptor("the installation wizard: asks each setting with its current value as default, then applies them live; with a file, applies the answers in it")
    public void setup(CommandSession session, @Descriptor("answers file (key = value, the wizard's keys)") Object... arguments) throws IOException {
        List<String> args = SETUP.arguments(arguments);
        if (args == null) {
            return;
        }
        if (args.isEmpty()) {
            wizard(session);
        } else {
            fromFile(args.get(0));
        }
    }

    private void wizard(CommandSession session) throws IOException {
        PrintStream out = System.out;
        SetupConfig config = new SetupConfig(configurations, etc());
        Map<String, String> current = config.current(users);
        Prompter prompter = new Prompter(session.getKeyboard(), out, SecretInput.secretSwitch(session::get), SecretInput.terminal(session::get));
        out.println("Gatehouse setup. Enter keeps the value in [brackets]; Ctrl-D stops without changing anything.");
        Map<String, String> answers = new LinkedHashMap<>();
        try {
            for (SetupAnswers.Question q : SetupAnswers.QUESTIONS) {
                if (!SetupConfig.asked(q.key(), answers, current)) {
                    continue;
                }
                if (q.key().equals("nodes")) {
                    answers.put("nodes", prompter.list(q, current.get("nodes")));
                } else if (q.key().equals("relay-ip")) {
                    answers.put(q.key(), prompter.relayAddresses(q, current.getOrDefault(q.key(), ""), SetupAnswers::isLocal));
                } else {
                    boolean secret = SetupAnswers.isSecret(q.key());
                    answers.put(q.key(), prompter.ask(q.against(current), secret ? "" : current.getOrDefault(q.key(), ""), secret));
                }
            }
            Map<String, String> changes = SetupConfig.changes(answers, current);
            if (changes.isEmpty()) {
                out.println("Nothing to change.");
                return;
            }
            out.println("\nTo apply:");
            changes.forEach((k, v) -> out.println("  " + k + " = " + (SetupAnswers.isSecret(k) ? "********" : v)));
            String go = prompter.ask(new SetupAnswers.Question("apply", "Apply now (yes/no)", SetupAnswers::yesNo), "yes", false);
            if (!go.equals("yes")) {
                out.println("Nothing changed.");
                return;
            }
            try {
                apply(config, answers, current, out);
            } catch (IllegalArgumentException e) {
                // Refused: on standard error, and the command fails (exit 1 over bin/client).
                throw new CommandRefused("setup: " + e.getMessage() + "; nothing changed", e);
            }
        } catch (Prompter.Stopped e) {
            out.println("\nStopped; nothing changed.");
        }
    }

    /**
     * Fails (an exception, so {@code bin/client} exits 1 and a script notices) when the file cannot
     * be read or used; nothing is changed then.
     */
    private void fromFile(String file) throws IOException {
        PrintStream out = System.out;
        Path path = InstallationPaths.resolve(file);
        SetupConfig config = new SetupConfig(configurations, etc());
        Map<String, String> current = config.current(users);
        Map<String, String> answers;
        try {
            answers = SetupAnswers.parse(Files.readAllLines(path, StandardCharsets.UTF_8), path.toString(), current);
        } catch (IllegalArgumentException e) {
            throw new CommandRefused("setup: " + e.getMessage() + "; nothing changed", e);
        } catch (IOException e) {
            throw new CommandRefused("setup: cannot read " + path + ": " + reason(e) + "; nothing changed", e);
        }
        try {
            apply(config, answers, current, out);
        } catch (IllegalArgumentException e) {
            throw new CommandRefused("setup: " + e.getMessage() + "; nothing changed", e);
        }
    }

    /** Why a file cannot be read, in words: NIO's exceptions carry the path as their message, not the reason. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private void apply(SetupConfig config, Map<String, String> answers, Map<String, String> current, PrintStream out) throws IOException {
        ServerCertificates tls = certificates;
        CertificateInfo before = tls == null ? null : tls.current();
        List<String> done = config.apply(answers, current, users, InstallationPaths.data());
        if (done.isEmpty()) {
            out.println("Nothing to change.");
            return;
        }
        done.forEach(line -> out.println("  " + line));
        if (config.named() != null && tls != null && !awaitCertificate(tls, InstallationPaths.data().resolve("tls/self-signed.pem"), before,
                config.named(), config.renewed(), CERTIFICATE_WAIT_MILLIS)) {
            out.println("  the self-signed certificate for " + config.named() + " was not in force after "
                    + CERTIFICATE_WAIT_MILLIS / 1000 + " s; see tls:cert-show and gatehouse:status");
        }
        out.println("Applied. Open calls, sessions and event streams go on; see gatehouse:status.");
    }

    /** How long setup waits for a new self-signed certificate, which the TLS component makes once it has the new name. */
    static final long CERTIFICATE_WAIT_MILLIS = 10_000;

    /**
     * Waits until the TLS component serves the self-signed certificate for {@code name} (in any case,
     * as the TLS component compares names) from
     * {@code generated} (a new one when {@code renewed}), so that "Applied" is true and a
     * tls:cert-install right after keeps that one as the certificate to roll back to: ConfigAdmin hands
     * the new name over on its own thread. Returns at once when the certificate in force is the
     * operator's (a new name does not replace it); false when the certificate did not come in time.
     */
    static boolean awaitCertificate(ServerCertificates tls, Path generated, CertificateInfo before, String name, boolean renewed, long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            CertificateInfo now = tls.current();
            if (now != null && (!Path.of(now.source()).equals(generated)
                    || now.subjectAlternativeNames().stream().anyMatch(name::equalsIgnoreCase)
                            && (!renewed || before == null || !now.sha256Fingerprint().equals(before.sha256Fingerprint())))) {
                return true;
            }
            if (System.nanoTime() - end > 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Questions and answers on the console, one line at a time. */
    static final class Prompter {

        static final class Stopped extends RuntimeException {
            Stopped() {
                super(null, null, false, false);
            }
        }

        private final InputStream in;
        private final PrintStream out;
        private final AtomicBoolean secretSwitch;
        private final Object terminal;

        Prompter(InputStream in, PrintStream out) {
            this(in, out, null, null);
        }

        /**
         * @param secretSwitch set while a secret answer is read, or null
         * @param terminal the console's JLine terminal, where secret answers are read with echo off, or null
         */
        Prompter(InputStream in, PrintStream out, AtomicBoolean secretSwitch, Object terminal) {
            this.in = in;
            this.out = out;
            this.secretSwitch = secretSwitch;
            this.terminal = terminal;
        }

        String ask(SetupAnswers.Question q, String current, boolean secret) {
            while (true) {
                String prompt = q.prompt() + (secret ? (current.isEmpty() ? "" : " [keep]") : " [" + current + "]") + ": ";
                String line;
                if (secret) {
                    line = secretLine(prompt);
                } else {
                    out.print(prompt);
                    out.flush();
                    line = line();
                }
                String answer = line.isEmpty() ? current : line.strip();
                if (answer.isEmpty() && secret) {
                    return "";
                }
                try {
                    return q.check().apply(answer);
                } catch (IllegalArgumentException e) {
                    out.println("  " + e.getMessage());
                }
            }
        }

        /**
         * {@code relay-ip}: an address this host does not have (relays cannot bind it, Allocates get
         * 508 until it comes) is said at once and asked again, unless kept on purpose: a virtual
         * address (keepalived, a cloud secondary address) comes to this host only on failover. The
         * value in force is let through, as for management networks (TURN lists it under Problems).
         */
        String relayAddresses(SetupAnswers.Question q, String current, Predicate<InetAddress> local) {
            while (true) {
                String answer = ask(q, current, false);
                List<String> absent = answer.equals(current) ? List.of() : SetupAnswers.notOnThisHost(answer, local);
                if (absent.isEmpty()) {
                    return answer;
                }
                out.println("  " + String.join(", ", absent) + (absent.size() == 1 ? " is not an address" : " are not addresses")
                        + " of this host (no network interface has " + (absent.size() == 1 ? "it" : "them") + " now): relays cannot"
                        + " bind there and Allocates get 508 until " + (absent.size() == 1 ? "it comes" : "they come")
                        + "; keep it only for a virtual address that comes on failover (keepalived, a cloud secondary address)");
                String keep = ask(new SetupAnswers.Question("keep-relay-ip", "Keep " + answer + " anyway (yes/no)", SetupAnswers::yesNo),
                        "no", false);
                if (keep.equals("yes")) {
                    return answer;
                }
            }
        }

        /** One entry per line, an empty line ends; an empty first line keeps the current list. */
        String list(SetupAnswers.Question q, String current) {
            out.println(q.prompt() + ", one per line; an empty line ends" + (current.isEmpty() ? "" : " (an empty first line keeps " + current + ")") + ":");
            List<String> entries = new ArrayList<>();
            while (true) {
                out.print("  node " + (entries.size() + 1) + ": ");
                out.flush();
                String line = line().strip();
                if (line.isEmpty()) {
                    return entries.isEmpty() ? current : String.join(", ", entries);
                }
                try {
                    entries.add(SetupAnswers.node(line));
                } catch (IllegalArgumentException e) {
                    out.println("  " + e.getMessage());
                }
            }
        }

        /** A secret answer, its {@code prompt} printed once echo is off (what is typed at once is not shown either). */
        private String secretLine(String prompt) {
            Runnable ask = () -> {
                out.print(prompt);
                out.flush();
            };
            char[] typed;
            try {
                typed = SecretInput.fromTerminal(terminal, ask);
            } catch (IOException e) {
                throw new Stopped();
            }
            if (typed != null) {
                return new String(typed);
            }
            if (secretSwitch == null) {
                ask.run();
                return line();
            }
            secretSwitch.set(true);
            try {
                ask.run();
                return line();
            } finally {
                secretSwitch.set(false);
            }
        }

        private boolean afterCarriageReturn;

        /** A line as UTF-8; CR, LF and CR LF end it; Ctrl-D or the end of input stops the wizard. */
        private String line() {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            try {
                int c;
                while ((c = in.read()) >= 0) {
                    if (c == '\n' && afterCarriageReturn && b.size() == 0) {
                        afterCarriageReturn = false;
                        continue;
                    }
                    afterCarriageReturn = c == '\r';
                    if (c == '\n' || c == '\r') {
                        return b.toString(StandardCharsets.UTF_8);
                    }
                    if (c == 4) {
                        throw new Stopped();
                    }
                    b.write(c);
                }
            } catch (IOException e) {
                throw new Stopped();
            }
            throw new Stopped();
        }
    }
}
