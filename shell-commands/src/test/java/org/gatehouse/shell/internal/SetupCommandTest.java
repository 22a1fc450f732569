package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.ServerCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code setup FILE} and the wizard's questions, against an in-memory Configuration Admin. */
class SetupCommandTest {

    @TempDir
    Path dir;

    private final FakeConfigurations files = new FakeConfigurations().with(SetupConfig.CORE, "management-networks", "127.0.0.0/8, ::1");

    private SetupCommand command() {
        SetupCommand c = new SetupCommand();
        c.configurations = files.admin();
        c.etcFolder = dir.resolve("etc");
        try {
            Files.createDirectories(c.etcFolder);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return c;
    }

    /** Runs {@code setup FILE} with the file's lines; the refusal's message, after checking that nothing was written. */
    private String refused(String... lines) throws Exception {
        Path answers = Files.write(dir.resolve("answers.cfg"), List.of(lines));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command().setup(null, answers.toString()));
        assertEquals(List.of(), files.updates, "nothing written");
        assertEquals("127.0.0.0/8, ::1", files.get(SetupConfig.CORE, "management-networks"));
        return e.getMessage();
    }

    @Test
    void managementNetworksWithoutThisHostRefuseTheFile() throws Exception {
        String message = refused("hostname = edge", "management-networks = 10.9.9.0/24");
        assertEquals("setup: " + dir.resolve("answers.cfg") + " line 2: management-networks = 10.9.9.0/24: leaves out this host"
                + " (127.0.0.1, ::1): bin/client and the status page and metrics on this host would be refused, and no shell would be"
                + " left to undo it; add 127.0.0.0/8 and ::1, e.g. 127.0.0.0/8, ::1, 10.9.9.0/24; nothing changed", message);
        assertTrue(refused("management-networks = 127.0.0.1, 10.9.9.0/24").contains("leaves out this host (::1): "
                + "bin/client and the status page and metrics on this host would be refused, and no shell would be left to undo it;"
                + " add ::1, e.g. ::1, 127.0.0.1, 10.9.9.0/24"));
    }

    @Test
    void managementNetworksWithThisHostOrAsTheyAreAreTaken() {
        Map<String, String> current = Map.of("management-networks", "10.9.9.0/24");
        // Left as an operator wrote them by hand: the answer changes nothing, so nothing to refuse.
        assertEquals(Map.of("management-networks", "10.9.9.0/24"),
                SetupAnswers.parse(List.of("management-networks = 10.9.9.0/24"), "answers.cfg", current));
        assertEquals(Map.of("management-networks", "127.0.0.0/8, ::1, 10.9.9.0/24"),
                SetupAnswers.parse(List.of("management-networks = 127.0.0.0/8, ::1, 10.9.9.0/24"), "answers.cfg", current));
        assertEquals(Map.of("management-networks", "::/0, 0.0.0.0/0"),
                SetupAnswers.parse(List.of("management-networks = ::/0, 0.0.0.0/0"), "answers.cfg", current));
    }

    @Test
    void theWizardAsksAgainForManagementNetworksWithoutThisHost() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        SetupCommand.Prompter p = new SetupCommand.Prompter(
                new ByteArrayInputStream("10.9.9.0/24\n127.0.0.0/8, ::1, 10.9.9.0/24\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(screen, true, StandardCharsets.UTF_8));
        SetupAnswers.Question q = SetupAnswers.question("management-networks").against(Map.of("management-networks", "127.0.0.0/8, ::1"));
        assertEquals("127.0.0.0/8, ::1, 10.9.9.0/24", p.ask(q, "127.0.0.0/8, ::1", false));
        String shown = screen.toString(StandardCharsets.UTF_8);
        // Input is not echoed here, so the refusal follows the question on its line.
        assertTrue(shown.startsWith("Management networks allowed to administer this server [127.0.0.0/8, ::1]:   leaves out this host (127.0.0.1, ::1): "),
                shown);
        assertTrue(shown.contains("add 127.0.0.0/8 and ::1, e.g. 127.0.0.0/8, ::1, 10.9.9.0/24\nManagement networks"), shown);
    }

    @Test
    void relayAddressesOfThisHostAreLoopbackOrOnAnInterface() throws Exception {
        assertTrue(SetupAnswers.isLocal(java.net.InetAddress.getByName("127.0.0.5")), "any of 127.0.0.0/8");
        assertTrue(SetupAnswers.isLocal(java.net.InetAddress.getByName("::1")));
        assertTrue(!SetupAnswers.isLocal(java.net.InetAddress.getByName("192.0.2.77")), "TEST-NET-1 is on no interface here");
        assertEquals(List.of("192.0.2.77", "2001:db8::7"),
                SetupAnswers.notOnThisHost("127.0.0.5, 192.0.2.77, 2001:db8::7", SetupAnswers::isLocal));
        assertEquals(List.of(), SetupAnswers.notOnThisHost("", SetupAnswers::isLocal));
    }

    private static String relayIp(String typed, String current, List<String> screen) {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        SetupCommand.Prompter p = new SetupCommand.Prompter(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(shown, true, StandardCharsets.UTF_8));
        // 10.0.0.0/8 stands for this host's addresses, so the test does not depend on the machine's.
        String answer = p.relayAddresses(SetupAnswers.question("relay-ip"), current,
                a -> a.isLoopbackAddress() || a.getHostAddress().startsWith("10."));
        screen.add(shown.toString(StandardCharsets.UTF_8));
        return answer;
    }

    @Test
    void theWizardSaysAtOnceThatARelayAddressIsNotOfThisHostAndAsksAgain() {
        List<String> screen = new java.util.ArrayList<>();
        // Not kept (Enter: no): asked again, and an address of this host is taken.
        assertEquals("10.1.2.3", relayIp("192.0.2.77\n\n10.1.2.3\n", "", screen));
        String shown = screen.get(0);
        assertTrue(shown.startsWith("Relay address(es) on this server (empty: any) []:   192.0.2.77 is not an address of this host"
                + " (no network interface has it now): relays cannot bind there and Allocates get 508 until it comes; keep it only"
                + " for a virtual address that comes on failover (keepalived, a cloud secondary address)\n"
                + "Keep 192.0.2.77 anyway (yes/no) [no]: Relay address(es) on this server (empty: any) []: "), shown);
        assertTrue(!shown.substring(shown.indexOf("Keep")).contains("is not an address"), "10.1.2.3 is taken at once:\n" + shown);

        // Kept on purpose (a keepalived address).
        assertEquals("10.1.2.3, 192.0.2.77", relayIp("10.1.2.3, 192.0.2.77\nyes\n", "", screen));
        assertTrue(screen.get(1).contains("Keep 10.1.2.3, 192.0.2.77 anyway (yes/no) [no]: "), screen.get(1));

        // The value in force (kept with Enter) is not asked about again; loopback is this host's.
        assertEquals("192.0.2.77", relayIp("\n", "192.0.2.77", screen));
        assertTrue(!screen.get(2).contains("Keep"), screen.get(2));
        assertEquals("127.0.0.5", relayIp("127.0.0.5\n", "", screen));
        assertTrue(!screen.get(3).contains("Keep"), screen.get(3));
    }

    @Test
    void aKeyGivenTwiceRefusesTheFileNamingBothLines() throws Exception {
        assertEquals("setup: " + dir.resolve("answers.cfg") + " line 3: hostname is given twice (line 1: hostname = edge,"
                + " line 3: hostname = other); keep one; nothing changed", refused("hostname = edge", "# the lab's", "hostname = other"));
        // Secrets are not echoed, not even to say where they are.
        String message = refused("turn-password = first secret", "turn-password = second secret");
        assertEquals("setup: " + dir.resolve("answers.cfg") + " line 2: turn-password is given twice (line 1: turn-password = ********,"
                + " line 2: turn-password = ********); keep one; nothing changed", message);
    }

    @Test
    void aMissingFileIsSaidToBeMissing() {
        Path missing = dir.resolve("nonexistent.cfg");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command().setup(null, missing.toString()));
        assertEquals("setup: cannot read " + missing + ": no such file; nothing changed", e.getMessage());
        assertEquals(List.of(), files.updates);
    }

    /**
     * An external-ip TURN would refuse is refused here first, so the wizard never writes a turn.cfg that leaves
     * TURN on its previous settings: two public addresses for the same relay addresses, a pair of two families.
     */
    @Test
    void anExternalIpTurnWouldRefuseIsRefused() throws Exception {
        String twoForEvery = refused("external-ip = 203.0.113.5, 203.0.113.6");
        assertTrue(twoForEvery.contains("'203.0.113.5' and '203.0.113.6' give two public addresses for every IPv4 relay address"), twoForEvery);
        assertTrue(refused("external-ip = 203.0.113.5/10.1.1.5, 203.0.113.6/10.1.1.5").contains("two public addresses for the relay address 10.1.1.5"));
        assertTrue(refused("external-ip = 203.0.113.5/2001:db8::5").contains("same family"));
        assertEquals("203.0.113.5, 2001:db8::5, 203.0.113.6/10.1.2.5",
                SetupAnswers.externalIp("203.0.113.5, 2001:db8::5, 203.0.113.6/10.1.2.5"));
    }

    /**
     * Values TURN would refuse or read otherwise, refused before anything is written: a wildcard or
     * multicast relay address (TURN refuses the whole file), a secret with a comma (static-auth-secret
     * would hold two secrets, and every credential made with the whole one fail) or with ${.
     */
    /** Nodes the pool would refuse (its whole file, and every proxy:node-* after) are refused by setup first. */
    @Test
    void nodesThePoolWouldRefuseAreRefused() throws Exception {
        assertTrue(refused("nodes = 10.40.0.10, 10.40.0.10:443").contains("10.40.0.10:443 is listed twice"), refused("nodes = 10.40.0.10, 10.40.0.10:443"));
        assertTrue(refused("nodes = Conf1.example.com:443, conf1.example.com").contains("conf1.example.com:443 is listed twice"));
        assertTrue(refused("nodes = conf..example.com:443").contains("is not a host name or address"));
        assertTrue(refused("nodes = -conf.example.com:443").contains("is not a host name or address"));
        assertTrue(refused("nodes = 10.1:443").contains("is not an IPv4 address"));
        assertTrue(refused("nodes = [fe80::1%eth0]:443").contains("is not [IPv6 address]:port"));
        assertEquals("conf1.example.com:443, [2001:db8::a]:8443", SetupAnswers.nodes("Conf1.Example.COM, [2001:DB8::A]:8443"));
    }

    @Test
    void relayAddressesAndSecretsTurnWouldReadOtherwiseAreRefused() throws Exception {
        assertTrue(refused("relay-ip = 0.0.0.0").contains("'0.0.0.0' is not an address of this host"), refused("relay-ip = 0.0.0.0"));
        assertTrue(refused("relay-ip = 127.0.0.1, ::").contains("'::' is not an address of this host"));
        assertTrue(refused("relay-ip = 224.0.0.9").contains("multicast"));
        assertEquals("127.0.0.1, ::1", SetupAnswers.relayAddresses("127.0.0.1, ::1"));
        String comma = refused("turn-secret = abc,defgh123");
        assertTrue(comma.contains("turn-secret = ********: a comma is not allowed") && !comma.contains("defgh123"), comma);
        String variable = refused("turn-secret = abc${x}defgh");
        assertTrue(variable.contains("'${' is not allowed") && !variable.contains("defgh"), variable);
        String shortPassword = refused("turn-password = short");
        assertTrue(shortPassword.contains("turn-password = ********: use at least 8 characters") && !shortPassword.contains("short"), shortPassword);
        assertEquals("abc$defgh{x}", SetupAnswers.restSecret("abc$defgh{x}"));
    }

    /**
     * setup says "Applied" once the TLS component serves the self-signed certificate for the new name:
     * ConfigAdmin hands the name over on its own thread, and a tls:cert-install right after must keep
     * that certificate (not the one for the old name) as the one to roll back to.
     */
    @Test
    void setupWaitsForTheSelfSignedCertificateOfTheNewName() throws Exception {
        Path generated = dir.resolve("data/tls/self-signed.pem");
        CertificateInfo old = certificate("vm", "AA", generated);
        AtomicReference<CertificateInfo> served = new AtomicReference<>(old);
        ServerCertificates tls = (ServerCertificates) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServerCertificates.class},
                (self, m, args) -> {
                    if (m.getName().equals("current")) {
                        return served.get();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            served.set(certificate("edge.example.com", "BB", generated));
        });
        long start = System.nanoTime();
        later.start();
        assertTrue(SetupCommand.awaitCertificate(tls, generated, old, "edge.example.com", false, 10_000));
        assertTrue(System.nanoTime() - start >= 250_000_000L, "returned before the certificate changed");
        later.join();

        assertTrue(SetupCommand.awaitCertificate(tls, generated, old, "edge.example.com", false, 0), "already in force");
        served.set(certificate("MacBook-Pro", "DD", generated));
        assertTrue(SetupCommand.awaitCertificate(tls, generated, old, "macbook-pro", false, 0), "names compare in any case, as the TLS component's do");
        served.set(certificate("edge.example.com", "BB", generated));
        CertificateInfo now = served.get();
        assertFalse(SetupCommand.awaitCertificate(tls, generated, now, "edge.example.com", true, 100), "a new one asked for, the same one served");
        assertFalse(SetupCommand.awaitCertificate(tls, generated, now, "other.example.com", false, 100), "another name");
        served.set(certificate("operator.example.com", "CC", dir.resolve("etc/tls/server.pem")));
        assertTrue(SetupCommand.awaitCertificate(tls, generated, now, "edge.example.com", true, 0), "the operator's certificate stays whatever the name");
    }

    private static CertificateInfo certificate(String name, String fingerprint, Path source) {
        return new CertificateInfo("CN=" + name, List.of(name), "CN=" + name, Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400), fingerprint, "EC 256", 1,
                source.toString(), true, List.of());
    }
}
