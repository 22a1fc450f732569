package org.gatehouse.itests;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldif.LDIFException;
import java.net.InetAddress;

/**
 * A loopback in-memory LDAP directory (UnboundID) for the LDAP tests: Gatehouse's service account
 * {@code cn=gatehouse} (password {@code service-secret}) and the user {@code alice} (password
 * {@code alice-secret}) under {@link #BASE}.
 */
final class TestDirectory implements AutoCloseable {

    static final String BASE = "dc=example,dc=com";

    private final InMemoryDirectoryServer server;

    private TestDirectory(InMemoryDirectoryServer server) {
        this.server = server;
    }

    /** Starts one, listening on an ephemeral loopback port. */
    static TestDirectory start() throws LDAPException, LDIFException {
        InMemoryDirectoryServerConfig dc = new InMemoryDirectoryServerConfig(BASE);
        dc.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0, null));
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(dc);
        try {
            server.add("dn: " + BASE, "objectClass: domain", "dc: example");
            server.add("dn: cn=gatehouse," + BASE, "objectClass: person", "cn: gatehouse", "sn: s", "userPassword: service-secret");
            server.add("dn: uid=alice," + BASE, "objectClass: inetOrgPerson", "uid: alice", "cn: Alice", "sn: A", "userPassword: alice-secret");
            server.startListening();
        } catch (LDAPException | LDIFException e) {
            server.shutDown(true);
            throw e;
        }
        return new TestDirectory(server);
    }

    int port() {
        return server.getListenPort();
    }

    /** {@code etc/org.gatehouse.auth.ldap.cfg} guarding with this directory, realm {@code IT}. */
    String settings() {
        return "url = ldap://127.0.0.1:" + port() + "\nbind-dn = cn=gatehouse," + BASE
                + "\nbind-password = service-secret\nbase = " + BASE + "\nrealm = IT\n";
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
