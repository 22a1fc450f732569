package org.gatehouse.stun.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.stun.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = StunSettings.PID, name = "Gatehouse STUN responder",
        description = "Where STUN is answered (UDP, and TCP unless turned off) and what the answers carry.")
@interface StunConfiguration {

    @AttributeDefinition(name = "listen", description = "Comma-separated address:port pairs, IPv6 in brackets, e.g. 0.0.0.0:3478, [::]:3478, 0.0.0.0:19302.",
            defaultValue = "0.0.0.0:3478, [::]:3478")
    String listen();

    @AttributeDefinition(name = "tcp", description = "Also listen on TCP at every listen address.", defaultValue = "true")
    boolean tcp();

    @AttributeDefinition(name = "software", description = "Text of the SOFTWARE attribute in answers, printable ASCII, at most 32 characters; empty leaves it out.",
            defaultValue = StunSettings.DEFAULT_SOFTWARE)
    String software();

    @AttributeDefinition(name = "alternate-address",
            description = "RFC 5780 NAT behaviour discovery: a second address of this host with an alternate port (e.g. 192.0.2.2:3479). "
                    + "Empty (the default) keeps it off; it applies to listen addresses that are concrete addresses of the same family.",
            defaultValue = "")
    String alternate$_$address();

    @AttributeDefinition(name = "tcp-idle-timeout", description = "Seconds a TCP connection may stay silent before it is closed.",
            defaultValue = "600", min = "10")
    int tcp$_$idle$_$timeout();

    @AttributeDefinition(name = "max-allocate-timeout", description = "Seconds a TCP or TLS connection without a TURN allocation may "
            + "go without a complete message before it is closed (coturn's max-allocate-timeout).", defaultValue = "60", min = "1")
    int max$_$allocate$_$timeout();

    @AttributeDefinition(name = "malformed-log-interval", description = "At most one log line per source address per this many seconds about dropped packets.",
            defaultValue = "60", min = "1")
    int malformed$_$log$_$interval();
}
