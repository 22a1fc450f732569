package org.gatehouse.shell.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;
import org.gatehouse.tls.ServerCertificates;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code tls:cert-show}, {@code tls:cert-install <file>}, {@code tls:cert-rollback}: the certificate
 * every TLS listener serves. As {@link Function} services, since Gogo cannot map a hyphenated command
 * name to a method.
 */
abstract class TlsCommand implements Function {

    @Reference
    ServerCertificates certificates;

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = usage().arguments(arguments);
        if (args == null) {
            return null;
        }
        try {
            run(args);
        } catch (InvalidCertificateException e) {
            // The command fails (exit 1 over bin/client).
            throw new CommandRefused(name() + ": refused: " + e.getMessage()
                    + "\nThe certificate in force is unchanged.", e);
        }
        return null;
    }

    abstract String name();

    abstract Usage usage();

    abstract void run(List<String> args) throws InvalidCertificateException;

    static String describe(CertificateInfo c) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("Subject         %s%n", c.subject()));
        out.append(String.format("Names           %s%n", c.namesText()));
        out.append(String.format("Issuer          %s%s%n", c.issuer(), c.selfSigned() ? " (self-signed)" : ""));
        long days = Duration.between(Instant.now(), c.notAfter()).toDays();
        out.append(String.format("Valid           %s to %s (%d days left)%n", c.notBefore(), c.notAfter(), days));
        out.append(String.format("Key             %s, chain of %d%n", c.keyType(), c.chainLength()));
        out.append(String.format("SHA-256         %s%n", c.sha256Fingerprint()));
        out.append(String.format("File            %s%n", c.source()));
        for (String w : c.warnings()) {
            out.append("Warning         ").append(w).append('\n');
        }
        return out.toString();
    }

    @Component(name = "org.gatehouse.shell.tls.cert-show", service = Function.class,
            property = {"osgi.command.scope=tls", "osgi.command.function=cert-show"})
    public static final class Show extends TlsCommand {

        @Override
        String name() {
            return "tls:cert-show";
        }

        @Override
        Usage usage() {
            return new Usage("tls:cert-show [file.pem]",
                    "shows the certificate in force; with a file, checks it without installing it", 0, 1);
        }

        @Override
        void run(List<String> args) throws InvalidCertificateException {
            if (args.isEmpty()) {
                System.out.print(describe(certificates.current()));
                System.out.println("TLS engine      " + certificates.engine());
            } else {
                System.out.print(describe(certificates.inspect(Path.of(args.get(0)).toAbsolutePath())));
                System.out.println("(checked, not installed)");
            }
        }
    }

    @Component(name = "org.gatehouse.shell.tls.cert-install", service = Function.class,
            property = {"osgi.command.scope=tls", "osgi.command.function=cert-install"})
    public static final class Install extends TlsCommand {

        @Override
        String name() {
            return "tls:cert-install";
        }

        @Override
        Usage usage() {
            return new Usage("tls:cert-install <file.pem>",
                    "checks the file (key matches, chain links up, validity), keeps the certificate in force for\n"
                    + "  tls:cert-rollback and serves the new one from the next handshake; open connections stay", 1, 1);
        }

        @Override
        void run(List<String> args) throws InvalidCertificateException {
            CertificateInfo c = certificates.install(Path.of(args.get(0)).toAbsolutePath());
            System.out.print(describe(c));
            System.out.println("Installed: new connections get this certificate. tls:cert-rollback goes back.");
        }
    }

    @Component(name = "org.gatehouse.shell.tls.cert-rollback", service = Function.class,
            property = {"osgi.command.scope=tls", "osgi.command.function=cert-rollback"})
    public static final class Rollback extends TlsCommand {

        @Override
        String name() {
            return "tls:cert-rollback";
        }

        @Override
        Usage usage() {
            return new Usage("tls:cert-rollback", "goes back to the certificate in force before the last tls:cert-install", 0, 0);
        }

        @Override
        void run(List<String> args) throws InvalidCertificateException {
            CertificateInfo c = certificates.rollback();
            System.out.print(describe(c));
            System.out.println("Rolled back: new connections get this certificate.");
        }
    }
}
