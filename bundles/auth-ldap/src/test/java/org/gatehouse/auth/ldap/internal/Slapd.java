package org.gatehouse.auth.ldap.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real OpenLDAP {@code slapd} (Debian) on loopback ports, with a generated configuration (mdb
 * backend in a temporary folder), a test CA and a server certificate for 127.0.0.1 made with Bouncy
 * Castle, entries loaded with {@code ldapadd}. LDAP (StartTLS offered) and LDAPS on two ports.
 */
final class Slapd implements AutoCloseable {

    static final Path SLAPD = Path.of("/usr/sbin/slapd");
    static final Path LDAPADD = Path.of("/usr/bin/ldapadd");
    static final String BASE = "dc=example,dc=com";
    static final String ADMIN = "cn=admin," + BASE;
    static final String SERVICE = "cn=gatehouse,ou=services," + BASE;
    static final String GROUP = "cn=vc-users,ou=groups," + BASE;

    final Path dir;
    final Path caFile;
    final int ldapPort;
    final int ldapsPort;
    private final Process process;

    /** Why slapd cannot run here, or null when it can. */
    static String missing() {
        if (!Files.isExecutable(SLAPD) || !Files.isExecutable(LDAPADD)) {
            return "OpenLDAP slapd and ldap-utils are not installed (Debian: apt-get install slapd ldap-utils); acceptance test skipped";
        }
        if (!Files.isDirectory(Path.of("/usr/lib/ldap")) || !Files.exists(Path.of("/etc/ldap/schema/inetorgperson.schema"))) {
            return "slapd's modules or schema are not where Debian puts them; acceptance test skipped";
        }
        return null;
    }

    Slapd(Path dir) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir.resolve("db"));
        caFile = dir.resolve("ca.pem");
        certificates();
        ldapPort = freePort();
        ldapsPort = freePort();
        Files.writeString(dir.resolve("slapd.conf"), String.join("\n",
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "pidfile " + dir.resolve("slapd.pid"),
                "argsfile " + dir.resolve("slapd.args"),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "TLSCACertificateFile " + caFile,
                "TLSCertificateFile " + dir.resolve("server.pem"),
                "TLSCertificateKeyFile " + dir.resolve("server.key"),
                "database mdb",
                "maxsize 10485760",
                "suffix \"" + BASE + "\"",
                "rootdn \"" + ADMIN + "\"",
                "rootpw admin-secret",
                "directory " + dir.resolve("db"),
                "index uid eq",
                "access to attrs=userPassword by anonymous auth by self write by * none",
                "access to * by users read by * none",
                ""));
        process = new ProcessBuilder(SLAPD.toString(), "-f", dir.resolve("slapd.conf").toString(), "-h",
                "ldap://127.0.0.1:" + ldapPort + "/ ldaps://127.0.0.1:" + ldapsPort + "/", "-d", "0")
                .redirectErrorStream(true).redirectOutput(dir.resolve("slapd.log").toFile()).start();
        try {
            awaitPort(ldapPort);
            awaitPort(ldapsPort);
            load();
        } catch (Exception e) {
            close();
            throw new IllegalStateException(e.getMessage() + "\nslapd log:\n" + Files.readString(dir.resolve("slapd.log")), e);
        }
    }

    String ldap() {
        return "ldap://127.0.0.1:" + ldapPort;
    }

    String ldaps() {
        return "ldaps://127.0.0.1:" + ldapsPort;
    }

    private void load() throws Exception {
        Path ldif = dir.resolve("entries.ldif");
        Files.writeString(ldif, String.join("\n",
                "dn: " + BASE, "objectClass: dcObject", "objectClass: organization", "dc: example", "o: Example", "",
                "dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people", "",
                "dn: ou=services," + BASE, "objectClass: organizationalUnit", "ou: services", "",
                "dn: ou=groups," + BASE, "objectClass: organizationalUnit", "ou: groups", "",
                "dn: " + SERVICE, "objectClass: person", "cn: gatehouse", "sn: service", "userPassword: service-secret", "",
                "dn: uid=alice,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: alice", "cn: Alice", "sn: A",
                "userPassword: alice-secret", "",
                "dn: uid=bob,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: bob", "cn: Bob", "sn: B",
                "userPassword: bob-secret", "",
                "dn: " + GROUP, "objectClass: groupOfNames", "cn: vc-users", "member: uid=alice,ou=people," + BASE, "", ""),
                StandardCharsets.UTF_8);
        Process add = new ProcessBuilder(LDAPADD.toString(), "-x", "-H", ldap(), "-D", ADMIN, "-w", "admin-secret", "-f", ldif.toString())
                .redirectErrorStream(true).start();
        String out = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!add.waitFor(30, TimeUnit.SECONDS) || add.exitValue() != 0) {
            throw new IllegalStateException("ldapadd failed: " + out);
        }
    }

    private void certificates() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair ca = g.generateKeyPair();
        KeyPair server = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=Gatehouse test CA");
        X509CertificateHolder caCert = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(now.minus(1, ChronoUnit.HOURS)),
                Date.from(now.plus(1, ChronoUnit.DAYS)), caName, ca.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.getPrivate()));
        X509CertificateHolder serverCert = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, Date.from(now.minus(1, ChronoUnit.HOURS)),
                Date.from(now.plus(1, ChronoUnit.DAYS)), new X500Name("CN=localhost"), server.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}))
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.getPrivate()));
        Files.writeString(caFile, pem(caCert));
        Files.writeString(dir.resolve("server.pem"), pem(serverCert));
        Files.writeString(dir.resolve("server.key"), pem(new JcaPKCS8Generator(server.getPrivate(), null)));
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("slapd exited with " + process.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("slapd did not listen on 127.0.0.1:" + port + " within 15 s");
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
