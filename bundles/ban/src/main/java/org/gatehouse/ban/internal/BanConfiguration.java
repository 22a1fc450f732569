package org.gatehouse.ban.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.ban.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = BanSettings.PID, name = "Gatehouse PIN brute-force ban",
        description = "Addresses that get too many 403 answers to conference token requests (wrong PINs) are answered 429 for a while.")
@interface BanConfiguration {

    @AttributeDefinition(name = "enabled", description = "Count failures and ban; false lifts every ban.", defaultValue = "true")
    boolean enabled();

    @AttributeDefinition(name = "max-failures", description = "Failed PIN attempts (403 to POST .../request_token) within find-time that ban an address.",
            defaultValue = "10", min = "1", max = "1000")
    int max$_$failures();

    @AttributeDefinition(name = "find-time", description = "Window in seconds in which max-failures are counted.",
            defaultValue = "300", min = "1", max = "86400")
    int find$_$time();

    @AttributeDefinition(name = "ban-time", description = "Seconds a banned address is answered 429.",
            defaultValue = "300", min = "1", max = "2592000")
    int ban$_$time();

    @AttributeDefinition(name = "exempt-management-networks",
            description = "Never count or ban the management networks (management-networks in etc/org.gatehouse.core.cfg).",
            defaultValue = "true")
    boolean exempt$_$management$_$networks();

    @AttributeDefinition(name = "ipv6-prefix", description = "IPv6 clients are counted per prefix of this length; 64 = per /64 (one subscriber), 128 = per address.",
            defaultValue = "64", min = "32", max = "128")
    int ipv6$_$prefix();

    @AttributeDefinition(name = "max-tracked", description = "Most addresses with counted failures, and most bans, kept in memory.",
            defaultValue = "50000", min = "100", max = "1000000")
    int max$_$tracked();
}
