package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSimpleBindRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * UnboundID's in-memory directory on 127.0.0.1: a service account, users (two sharing a uid in
 * different branches), a group, and a record of every bind DN and search filter it was sent.
 */
final class TestDirectory implements AutoCloseable {

    static final String BASE = "dc=example,dc=com";
    static final String SERVICE = "cn=gatehouse,ou=services," + BASE;
    static final String SERVICE_PASSWORD = "service-secret";
    static final String GROUP = "cn=vc-users,ou=groups," + BASE;

    final InMemoryDirectoryServer server;
    final List<String> binds = new CopyOnWriteArrayList<>();
    /** How long each bind takes (a directory far away, or busy). */
    volatile long bindDelayMillis;
    /** While set, users' binds (not the service account's) are refused with it. */
    volatile com.unboundid.ldap.sdk.ResultCode refuseUserBinds;
    final List<String> filters = new CopyOnWriteArrayList<>();
    /** While set, every search waits for it: a slow directory. */
    volatile java.util.concurrent.CountDownLatch hold;

    TestDirectory() throws Exception {
        this(null);
    }

    /** With {@code tls}, also an LDAPS listener ({@link #ldaps()}) presenting that server certificate. */
    TestDirectory(SSLContext tls) throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        InMemoryListenerConfig ldap = InMemoryListenerConfig.createLDAPConfig("ldap", InetAddress.getLoopbackAddress(), 0, null);
        if (tls == null) {
            config.setListenerConfigs(ldap);
        } else {
            config.setListenerConfigs(ldap, InMemoryListenerConfig.createLDAPSConfig("ldaps", InetAddress.getLoopbackAddress(), 0,
                    tls.getServerSocketFactory(), null));
        }
        config.setSchema(null); // memberOf is written by hand here, as AD would keep it
        config.addInMemoryOperationInterceptor(new InMemoryOperationInterceptor() {
            @Override
            public void processSimpleBindRequest(InMemoryInterceptedSimpleBindRequest request) throws com.unboundid.ldap.sdk.LDAPException {
                binds.add(request.getRequest().getBindDN());
                com.unboundid.ldap.sdk.ResultCode refuse = refuseUserBinds;
                if (refuse != null && !request.getRequest().getBindDN().equals(SERVICE)) {
                    throw new com.unboundid.ldap.sdk.LDAPException(refuse, "binds must be protected");
                }
                long delay = bindDelayMillis;
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void processSearchRequest(InMemoryInterceptedSearchRequest request) {
                filters.add(request.getRequest().getFilter().toString());
                java.util.concurrent.CountDownLatch h = hold;
                if (h != null) {
                    try {
                        h.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        server = new InMemoryDirectoryServer(config);
        server.add("dn: " + BASE, "objectClass: domain", "dc: example");
        server.add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        server.add("dn: ou=staff," + BASE, "objectClass: organizationalUnit", "ou: staff");
        server.add("dn: ou=services," + BASE, "objectClass: organizationalUnit", "ou: services");
        server.add("dn: ou=groups," + BASE, "objectClass: organizationalUnit", "ou: groups");
        server.add("dn: " + SERVICE, "objectClass: person", "cn: gatehouse", "sn: service", "userPassword: " + SERVICE_PASSWORD);
        server.add("dn: uid=alice,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: alice", "cn: Alice", "sn: A",
                "userPassword: alice-secret", "memberOf: " + GROUP);
        server.add("dn: uid=bob,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: bob", "cn: Bob", "sn: B",
                "userPassword: bob-secret");
        server.add("dn: uid=twin,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: twin", "cn: Twin", "sn: T",
                "userPassword: twin-secret");
        server.add("dn: uid=twin,ou=staff," + BASE, "objectClass: inetOrgPerson", "uid: twin", "cn: Twin", "sn: T",
                "userPassword: twin-secret");
        server.add("dn: uid=Jörg Ünal,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: Jörg Ünal", "cn: Jörg", "sn: Ü",
                "userPassword: pässwörd");
        server.add("dn: " + GROUP, "objectClass: groupOfNames", "cn: vc-users", "member: uid=alice,ou=people," + BASE);
        server.startListening();
    }

    int port() {
        return server.getListenPort();
    }

    String url() {
        return "ldap://127.0.0.1:" + port();
    }

    String ldaps() {
        return "ldaps://127.0.0.1:" + server.getListenPort("ldaps");
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
