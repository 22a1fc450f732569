package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator guide's shell examples, run. Every fenced {@code gogo} block of {@code docs/*.md} is a
 * console transcript: each {@code g! } line is run with {@code bin/client} against a headless server
 * made from the distribution, in the order the guide's contents list the chapters (the reset and the
 * shutdown last), and must succeed; each line shown after it that names no figure, address or time
 * (no digit) must appear in what the command printed ({@code /opt/gatehouse}, the guide's
 * installation folder, read as the test's). A command the guide shows failing ends what it printed
 * with {@code (exit status N)}, bin/client's status: it must fail with that status instead (its
 * lines shown are checked all the same). A {@code g! } outside such a block is an error,
 * so no example escapes. A file a command names that the guide shows (a block starting with
 * {@code # <file>}) is written from the guide first. Every command the Gatehouse bundles register
 * must be run by some example.
 *
 * <p>What the test provides so the examples run on loopback only: an LDAP directory with the
 * entries of the Active Directory example (UnboundID's in-memory server on 127.0.0.1), a
 * certificate for {@code tls:cert-install}, and {@code stun:probe} pointed at this server's own
 * STUN port instead of the guide's example address (its output then differs and is not compared).
 */
class DocsIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern STARTED = Pattern.compile("Gatehouse \\S+ started in .*");
    private static final Pattern EXIT_STATUS = Pattern.compile("\\(exit status (\\d+)\\)");
    private static final Set<String> SCOPES = Set.of("gatehouse", "stun", "turn", "tls", "proxy", "ban", "ldap", "ssh");
    private static final String LDAP_BASE = "DC=example,DC=com";
    private static final String LDAP_SERVICE = "CN=gatehouse-svc,OU=Service Accounts," + LDAP_BASE;
    private static final String LDAP_GROUP = "CN=Video Users,OU=Groups," + LDAP_BASE;
    private static final String LDAP_ALICE = "CN=Alice,OU=Staff," + LDAP_BASE;

    @TempDir
    Path dir;

    record Example(String where, String command, List<String> shown) {
    }

    /** A file shown in the guide: a fenced block whose first line is {@code # name}. */
    record Shown(String where, String content) {
    }

    static Path docs() {
        String p = System.getProperty("gatehouse.docs");
        assertTrue(p != null, "system property gatehouse.docs is not set (run through Maven)");
        return Path.of(p).toAbsolutePath().normalize();
    }

    /** The chapters in the order docs/README.md links them, then any it does not link. */
    static List<Path> chapters(Path docs) throws IOException {
        Set<Path> order = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\]\\(([\\w.-]+\\.md)\\)").matcher(Files.readString(docs.resolve("README.md")));
        while (m.find()) {
            order.add(docs.resolve(m.group(1)));
        }
        try (Stream<Path> all = Files.list(docs)) {
            all.filter(p -> p.toString().endsWith(".md")).sorted().forEach(order::add);
        }
        return new ArrayList<>(order);
    }

    /** Reads the gogo transcripts and the shown files of one chapter; fails on a g! outside a transcript. */
    static void read(Path chapter, List<Example> examples, Map<String, Shown> files) throws IOException {
        List<String> lines = Files.readAllLines(chapter, StandardCharsets.UTF_8);
        String name = chapter.getFileName().toString();
        String fence = null;
        int indent = 0;
        boolean gogo = false;
        List<String> block = new ArrayList<>();
        int blockStart = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (fence == null && trimmed.startsWith("```")) {
                fence = trimmed.substring(0, 3);
                indent = line.indexOf('`');
                gogo = trimmed.substring(3).strip().equals("gogo");
                block.clear();
                blockStart = i + 2;
                continue;
            }
            if (fence != null && trimmed.equals("```")) {
                if (gogo) {
                    transcript(name, blockStart, block, examples);
                } else if (!block.isEmpty() && block.get(0).matches("# [\\w./-]+")) {
                    files.put(block.get(0).substring(2), new Shown(name + ":" + (blockStart - 1),
                            String.join("\n", block.subList(1, block.size())) + "\n"));
                }
                fence = null;
                continue;
            }
            if (fence != null) {
                int strip = 0;
                while (strip < indent && strip < line.length() && line.charAt(strip) == ' ') {
                    strip++;
                }
                block.add(line.substring(strip));
            } else if (line.contains("g! ")) {
                fail(name + ":" + (i + 1) + ": a shell example outside a ```gogo block is never run: " + line);
            }
        }
        if (fence != null) {
            fail(name + ": a code block is not closed");
        }
    }

    private static void transcript(String name, int firstLine, List<String> block, List<Example> examples) {
        Example current = null;
        for (int j = 0; j < block.size(); j++) {
            String line = block.get(j);
            if (line.startsWith("g! ")) {
                current = new Example(name + ":" + (firstLine + j), line.substring(3).strip(), new ArrayList<>());
                examples.add(current);
            } else if (current == null) {
                fail(name + ":" + (firstLine + j) + ": a gogo block must start with a g! line");
            } else {
                current.shown().add(line);
            }
        }
    }

    @Test
    void everyShellExampleInTheGuideRunsAndPrintsWhatTheGuideShows() throws Exception {
        List<Example> examples = new ArrayList<>();
        Map<String, Shown> files = new LinkedHashMap<>();
        for (Path chapter : chapters(docs())) {
            read(chapter, examples, files);
        }
        assertTrue(examples.size() >= 20, "the guide has shell examples: " + examples);
        assumeTrue(Tmux.has("ssh"), "the OpenSSH client is not installed (Debian package openssh-client); skipping the guide's examples");

        Path home = Distribution.copyTo(dir.resolve("gatehouse"));
        String ssh = "127.0.0.1:" + freePort();
        for (String cfg : List.of("etc/org.gatehouse.ssh.cfg", "system/defaults/etc/org.gatehouse.ssh.cfg")) {
            Path f = home.resolve(cfg);
            Files.writeString(f, Distribution.ssh(Files.readString(f), ssh));
        }
        // StartTLS, as the guide advises: a plain ldap:// directory is a WARN in gatehouse:status's
        // "Last errors", which the guide's transcript shows as none.
        Path ldapCa = dir.resolve("ldap-ca.pem");
        InMemoryDirectoryServer directory = directory(ldapTls(ldapCa));
        try (Server server = Server.start(home)) {
            server.awaitOutput(l -> STARTED.matcher(l).matches(), WAIT);
            Files.writeString(home.resolve("etc/org.gatehouse.auth.ldap.cfg"), String.join("\n",
                    "url = ldap://127.0.0.1:" + directory.getListenPort(),
                    "bind-dn = " + LDAP_SERVICE,
                    "bind-password = service-secret",
                    "base = " + LDAP_BASE,
                    "user-filter = (&(objectClass=user)(sAMAccountName={user}))",
                    "required-group = " + LDAP_GROUP,
                    "group-membership = member-of",
                    "realm = Video conferencing",
                    "start-tls = true",
                    "ca-file = " + ldapCa, ""));
            Files.writeString(home.resolve("edge.example.com.pem"), certificate("edge.example.com"));
            String status = Client.run(home, null, "gatehouse:status").output();
            Matcher stun = Pattern.compile("stun\\s+udp\\s+127\\.0\\.0\\.1:(\\d+)").matcher(status);
            assertTrue(stun.find(), status);
            Map<String, String> instead = Map.of("stun:probe 192.0.2.10", "stun:probe 127.0.0.1:" + stun.group(1));
            // What the operator types at the prompts the guide's transcripts show.
            Map<String, String> typed = Map.of(
                    "ldap:test alice", "alice-secret\n",
                    "setup", String.join("\n", "edge", "example.com", "10.40.0.10:443", "10.40.0.11:443", "", "", "", "",
                            "conference", "a long secret", "yes", "", "", "", "127.0.0.0/8, ::1, 10.0.50.0/24", "yes", "") + "\n");

            Set<String> registered = registered(home);

            List<Example> ordered = new ArrayList<>();
            List<Example> last = new ArrayList<>();
            for (Example e : examples) {
                (e.command().startsWith("reset-to-defaults") || e.command().equals("shutdown") ? last : ordered).add(e);
            }
            last.sort((a, b) -> Boolean.compare(a.command().equals("shutdown"), b.command().equals("shutdown")));
            ordered.addAll(last);

            List<String> problems = new ArrayList<>();
            Set<String> run = new TreeSet<>();
            for (Example e : ordered) {
                for (String token : e.command().split("\\s+")) {
                    Shown file = files.get(token);
                    if (file != null) {
                        Files.writeString(home.resolve(token), file.content());
                    }
                }
                String command = instead.getOrDefault(e.command(), e.command());
                run.add(e.command().split("\\s+")[0]);
                if (e.command().equals("shutdown")) {
                    Client.run(home, null, command);
                    assertEquals(0, server.awaitExit(Duration.ofSeconds(60)),
                            e.where() + ": shutdown stops the server with status 0: " + server.output());
                    continue;
                }
                Client.Result r = run(home, command, typed.get(e.command()));
                int expected = expectedExit(e);
                if (r.exit() != expected) {
                    problems.add(e.where() + ": `" + command + "` " + (expected == 0 ? "failed (exit " + r.exit() + ")"
                            : "exited with status " + r.exit() + ", the guide shows " + expected) + ":\n" + r.output());
                    continue;
                }
                if (!command.equals(e.command())) {
                    continue;
                }
                // Prompts and answers run together where no terminal echoes the typing: compare
                // the whole output, each shown line without the answer typed after its prompt.
                String printed = squeeze(r.output());
                List<String> answers = typed.containsKey(e.command()) ? typed.get(e.command()).lines().toList() : List.of();
                for (String shown : e.shown()) {
                    // The guide's installation folder is /opt/gatehouse.
                    String s = squeeze(shown.replace("/opt/gatehouse", home.toString()));
                    if (s.isEmpty() || s.equals("...") || s.matches(".*\\d.*")) {
                        continue;
                    }
                    if (!printed.contains(s) && !printed.contains(withoutAnswer(s, answers))) {
                        problems.add(e.where() + ": `" + command + "` did not print the guide's line\n  " + shown
                                + "\nit printed:\n" + r.output());
                    }
                }
            }
            assertTrue(problems.isEmpty(), problems.size() + " example(s) of the guide do not hold:\n\n" + String.join("\n\n", problems));
            assertTrue(run.contains("shutdown"), "the guide shows how to stop the server: " + run);

            Set<String> missing = new TreeSet<>(registered);
            missing.removeIf(c -> run.contains(c) || run.contains(c.substring(c.indexOf(':') + 1)));
            assertTrue(missing.isEmpty(), "commands with no example in the guide: " + missing + "; examples run: " + run);
        } finally {
            directory.shutDown(true);
        }
    }

    /** The status the guide shows the example exit with: {@code (exit status N)} after its output, else 0. */
    static int expectedExit(Example e) {
        for (String shown : e.shown()) {
            Matcher m = EXIT_STATUS.matcher(shown.strip());
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    /** The commands of Gatehouse's scopes, as Gogo's {@code .commands} variable lists them. */
    private static Set<String> registered(Path home) throws Exception {
        Client.Result all = Client.run(home, null, "${.commands}");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(\\w+):([\\w-]+)").matcher(all.output());
        while (m.find()) {
            if (SCOPES.contains(m.group(1))) {
                names.add(m.group(1) + ":" + m.group(2));
            }
        }
        assertTrue(names.contains("gatehouse:status"), "the shell lists its commands: " + all.output());
        return names;
    }

    /**
     * Runs one command. An {@code ldap:} command may come before the LDAP bundle has read the file
     * the test wrote (ConfigAdmin applies it asynchronously): it is retried while it says that
     * nothing is configured.
     */
    private static Client.Result run(Path home, String command, String stdin) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Client.Result r = Client.run(home, stdin, command);
            if (!command.startsWith("ldap:") || !r.output().contains("not configured") || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    /** A shown prompt line without what was typed after it: an answer, or the stars of a password. */
    private static String withoutAnswer(String shown, List<String> answers) {
        String s = shown.replaceFirst(":\\s*\\*+$", ":");
        for (String a : answers) {
            String t = squeeze(a);
            if (!t.isEmpty() && s.endsWith(": " + t)) {
                return s.substring(0, s.length() - t.length()).strip();
            }
        }
        return s;
    }

    private static String squeeze(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }

    /** The directory of docs/ldap.md's Active Directory example, on loopback, schema checks off. */
    private static InMemoryDirectoryServer directory(SSLContext startTls) throws Exception {
        InMemoryDirectoryServerConfig dc = new InMemoryDirectoryServerConfig(LDAP_BASE);
        dc.setSchema(null);
        dc.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0,
                startTls.getSocketFactory()));
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(dc);
        directory.add("dn: " + LDAP_BASE, "objectClass: domain", "dc: example");
        for (String ou : List.of("Service Accounts", "Staff", "Groups")) {
            directory.add("dn: OU=" + ou + "," + LDAP_BASE, "objectClass: organizationalUnit", "ou: " + ou);
        }
        directory.add("dn: " + LDAP_SERVICE, "objectClass: user", "cn: gatehouse-svc", "userPassword: service-secret");
        directory.add("dn: " + LDAP_ALICE, "objectClass: user", "cn: Alice", "sAMAccountName: alice",
                "memberOf: " + LDAP_GROUP, "userPassword: alice-secret");
        directory.add("dn: " + LDAP_GROUP, "objectClass: group", "cn: Video Users", "member: " + LDAP_ALICE);
        directory.startListening();
        return directory;
    }

    /**
     * The directory's TLS: a self-signed certificate for 127.0.0.1 made by openssl, written to
     * {@code caFile} (the file the LDAP configuration's ca-file names), and its key.
     */
    private SSLContext ldapTls(Path caFile) throws Exception {
        Path key = dir.resolve("ldap.key");
        Path p12 = dir.resolve("ldap.p12");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", caFile.toString());
        openssl("pkcs12", "-export", "-in", caFile.toString(), "-inkey", key.toString(), "-out", p12.toString(), "-passout", "pass:docs");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            store.load(in, "docs".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "docs".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    private static void openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }

    /** A self-signed certificate and its key in one PEM file, made by openssl. */
    private String certificate(String name) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "90", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return Files.readString(cert) + Files.readString(key);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
