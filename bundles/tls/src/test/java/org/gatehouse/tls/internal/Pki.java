package org.gatehouse.tls.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test certificates made by the real {@code openssl} command, the way an operator's CA would make
 * them: a root, an intermediate and a server certificate for gatehouse.example.com (RSA or EC).
 */
final class Pki {

    final Path dir;

    Pki(Path dir) throws Exception {
        this.dir = dir;
        if (!new java.io.File("/usr/bin/openssl").canExecute()) {
            System.out.println("SKIPPED: /usr/bin/openssl not installed (Debian package openssl)");
            Assumptions.assumeTrue(false, "openssl not installed");
        }
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "3650",
                "-subj", "/CN=Test Root CA", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key", "-out", "inter.csr", "-subj", "/CN=Test Intermediate CA");
        Files.writeString(dir.resolve("ca.ext"), "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n");
        openssl("x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "inter.pem",
                "-days", "1825", "-extfile", "ca.ext");
        server("rsa", "-newkey", "rsa:2048");
        server("ec", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    }

    private void server(String name, String... keyArgs) throws Exception {
        List<String> req = new ArrayList<>(List.of("req", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=gatehouse.example.com"));
        req.addAll(List.of(keyArgs));
        openssl(req.toArray(new String[0]));
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:gatehouse.example.com,DNS:meet.example.com\n"
                + "extendedKeyUsage=serverAuth\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "397", "-extfile", "server.ext");
    }

    String read(String file) throws IOException {
        return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    }

    /** The key in the traditional form, {@code -----BEGIN RSA PRIVATE KEY-----} or {@code EC PRIVATE KEY}. */
    String traditionalKey(String name) throws Exception {
        if (name.equals("ec")) {
            openssl("ec", "-in", name + ".key", "-out", name + "-trad.key"); // openssl ec writes EC PRIVATE KEY
        } else {
            openssl("rsa", "-in", name + ".key", "-out", name + "-trad.key", "-traditional");
        }
        return read(name + "-trad.key");
    }

    Path write(String file, String... parts) throws IOException {
        Path p = dir.resolve(file);
        Files.writeString(p, String.join("", parts), StandardCharsets.UTF_8);
        return p;
    }

    void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
