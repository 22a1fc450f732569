package org.gatehouse.turn.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.turn.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = TurnSettings.PID, name = "Gatehouse TURN relay",
        description = "Media relay for conferencing nodes and WebRTC clients (RFC 8656). Key names follow coturn's turnserver.conf.")
@interface TurnConfiguration {

    @AttributeDefinition(name = "enabled", description = "TURN on; false answers STUN only and ends every allocation.", defaultValue = "true")
    boolean enabled();

    @AttributeDefinition(name = "realm", description = "Realm of the long-term credentials (REALM in 401 answers).",
            defaultValue = TurnSettings.DEFAULT_REALM)
    String realm();

    @AttributeDefinition(name = "userdb", description = "User file: lines user:0x<md5(user:realm:password)>, as turnadmin -k prints the key. Relative to the installation folder.",
            defaultValue = TurnSettings.DEFAULT_USERDB)
    String userdb();

    @AttributeDefinition(name = "use-auth-secret", description = "Also accept TURN REST API credentials made with static-auth-secret.",
            defaultValue = "false")
    boolean use$_$auth$_$secret();

    @AttributeDefinition(name = "static-auth-secret", description = "Shared secret(s) for TURN REST API credentials, comma-separated while rotating.",
            defaultValue = "", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String static$_$auth$_$secret();

    @AttributeDefinition(name = "relay-ip", description = "Address(es) relay sockets bind, IPv4 and/or IPv6. Empty: the address the request arrived on.",
            defaultValue = "")
    String relay$_$ip();

    @AttributeDefinition(name = "external-ip", description = "Public address clients reach the relay at (NAT): public, or public/private per relay-ip.",
            defaultValue = "")
    String external$_$ip();

    @AttributeDefinition(name = "min-port", defaultValue = "49152", min = "1024", max = "65535")
    int min$_$port();

    @AttributeDefinition(name = "max-port", defaultValue = "65535", min = "1024", max = "65535")
    int max$_$port();

    @AttributeDefinition(name = "allowed-peer-ip", description = "Peer ranges always allowed (the conferencing nodes), e.g. 10.40.0.0/24.",
            defaultValue = "")
    String allowed$_$peer$_$ip();

    @AttributeDefinition(name = "denied-peer-ip", description = "Peer ranges denied besides the private and reserved ones.",
            defaultValue = "")
    String denied$_$peer$_$ip();

    @AttributeDefinition(name = "restricted", description = "Relay only to allowed-peer-ip (the conferencing nodes).",
            defaultValue = "false")
    boolean restricted();

    @AttributeDefinition(name = "user-quota", description = "Allocations per user at once; 0 is unlimited.", defaultValue = "0", min = "0")
    int user$_$quota();

    @AttributeDefinition(name = "total-quota", description = "Allocations at once in all; 0 is unlimited.", defaultValue = "0", min = "0")
    int total$_$quota();

    @AttributeDefinition(name = "max-bps", description = "Bytes per second one allocation may relay each way; 0 is unlimited.",
            defaultValue = "0", min = "0")
    int max$_$bps();

    @AttributeDefinition(name = "max-allocate-lifetime", description = "Longest allocation lifetime granted, seconds.",
            defaultValue = "3600", min = "60")
    int max$_$allocate$_$lifetime();

    @AttributeDefinition(name = "permission-lifetime", defaultValue = "300", min = "30")
    int permission$_$lifetime();

    @AttributeDefinition(name = "channel-lifetime", defaultValue = "600", min = "60")
    int channel$_$lifetime();

    @AttributeDefinition(name = "stale-nonce", description = "Seconds a nonce stays valid before 438 Stale Nonce.",
            defaultValue = "600", min = "30")
    int stale$_$nonce();

    @AttributeDefinition(name = "unauthenticated-rate-limit", description = "401 answers per second per source address; 0 is unlimited.",
            defaultValue = "100", min = "0")
    int unauthenticated$_$rate$_$limit();

    @AttributeDefinition(name = "alternate-server", description = "While drained (turn:drain), new Allocate requests are "
            + "answered 300 Try Alternate with one of these TURN servers, address[:port] (no port: the port the request came to).",
            defaultValue = "")
    String alternate$_$server();
}
