package org.gatehouse.auth.ldap.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.auth.ldap.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = LdapSettings.PID, name = "Gatehouse LDAP/AD authentication",
        description = "HTTP Basic credentials on the guarded paths, checked against LDAP or Active Directory by search-then-bind.")
@interface LdapConfiguration {

    @AttributeDefinition(name = "enabled", description = "false: nothing is guarded, the settings are kept.", defaultValue = "true")
    boolean enabled();

    @AttributeDefinition(name = "url", description = "Directory servers in failover order, e.g. ldaps://dc1.example.com, ldaps://dc2.example.com.")
    String[] url();

    @AttributeDefinition(name = "start-tls", description = "StartTLS on ldap:// URLs.", defaultValue = "false")
    boolean start$_$tls();

    @AttributeDefinition(name = "ca-file", description = "PEM file of the CA certificates the servers' certificates are checked against; "
            + "empty: the Java trust store.", required = false)
    String ca$_$file();

    @AttributeDefinition(name = "bind-dn", description = "Service account that searches; empty: anonymous search.", required = false)
    String bind$_$dn();

    @AttributeDefinition(name = "bind-password", description = "The service account's password.", type = AttributeType.PASSWORD, required = false)
    String bind$_$password();

    @AttributeDefinition(name = "base", description = "Entry users are searched under, e.g. dc=example,dc=com.")
    String base();

    @AttributeDefinition(name = "user-filter", description = "Search filter; {user} is replaced by the escaped user name.", defaultValue = "(uid={user})")
    String user$_$filter();

    @AttributeDefinition(name = "required-group", description = "DN of a group users must belong to; empty: none.", required = false)
    String required$_$group();

    @AttributeDefinition(name = "group-membership", description = "member: the group lists its members; member-of: the user lists its groups.",
            defaultValue = "member")
    String group$_$membership();

    @AttributeDefinition(name = "guarded-paths", description = "Path prefixes that need credentials.", defaultValue = "/")
    String[] guarded$_$paths();

    @AttributeDefinition(name = "realm", description = "Realm text browsers show in their sign-in prompt.", defaultValue = "Gatehouse")
    String realm();

    @AttributeDefinition(name = "cache-seconds", description = "How long a successful login is remembered (0: never).", defaultValue = "60")
    int cache$_$seconds();

    @AttributeDefinition(name = "pool-size", description = "Connections per pool (searches and binds each have one).", defaultValue = "4")
    int pool$_$size();

    @AttributeDefinition(name = "connect-timeout", description = "Seconds to wait for a server to accept a connection.", defaultValue = "5")
    int connect$_$timeout();

    @AttributeDefinition(name = "response-timeout", description = "Seconds to wait for a server's answer.", defaultValue = "5")
    int response$_$timeout();

    @AttributeDefinition(name = "failure-limit", description = "Failed logins of one user name from one client address within failure-window before that name gets 429 there.", defaultValue = "10")
    int failure$_$limit();

    @AttributeDefinition(name = "address-failure-limit", description = "Failed logins of any user names from one client address within failure-window before the address gets 429.", defaultValue = "50")
    int address$_$failure$_$limit();

    @AttributeDefinition(name = "failure-window", description = "Seconds failures are counted over.", defaultValue = "300")
    int failure$_$window();

    @AttributeDefinition(name = "forward-authorization", description = "Pass the Authorization header on to the nodes.", defaultValue = "false")
    boolean forward$_$authorization();
}
