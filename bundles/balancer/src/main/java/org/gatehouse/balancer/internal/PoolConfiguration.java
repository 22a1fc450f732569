package org.gatehouse.balancer.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.balancer.pool-<name>.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = PoolSettings.FACTORY_PID, name = "Gatehouse upstream pool",
        description = "Conferencing nodes that requests on the pool's routes are proxied to, round robin.")
@interface PoolConfiguration {

    @AttributeDefinition(name = "nodes", description = "host:port [weight=N] [backup] [drain], comma-separated.", required = false)
    String nodes();

    @AttributeDefinition(name = "routes", description = "Path prefixes proxied to this pool (pool conferencing: /api/, /webapp/, /static/, /).", required = false)
    String routes();

    @AttributeDefinition(name = "tls", description = "Speak TLS to the nodes.", defaultValue = "true")
    boolean tls();

    @AttributeDefinition(name = "tls-ca-file", description = "PEM file of the CAs that sign the nodes' certificates.", required = false)
    String tls$_$ca$_$file();

    @AttributeDefinition(name = "tls-fingerprints", description = "SHA-256 fingerprints of the nodes' own certificates (self-signed nodes).", required = false)
    String tls$_$fingerprints();

    @AttributeDefinition(name = "tls-trust-all", description = "Accept any node certificate (explicit opt-in).", defaultValue = "false")
    boolean tls$_$trust$_$all();

    @AttributeDefinition(name = "tls-name", description = "SNI and certificate name of the nodes (default: each node's host).", required = false)
    String tls$_$name();

    @AttributeDefinition(name = "sticky", description = "The same client address goes to the same node.", defaultValue = "false")
    boolean sticky();

    @AttributeDefinition(name = "max-fails", description = "Failures within fail-timeout that take a node out (0: never).", defaultValue = "1")
    int max$_$fails();

    @AttributeDefinition(name = "fail-timeout", description = "Seconds: the failure window, and how long a failed node stays out.", defaultValue = "10")
    int fail$_$timeout();

    @AttributeDefinition(name = "health-check", description = "off, connect or http.", defaultValue = "off")
    String health$_$check();

    @AttributeDefinition(name = "connect-timeout", description = "Seconds to connect to a node.", defaultValue = "5")
    int connect$_$timeout();

    @AttributeDefinition(name = "first-byte-timeout", description = "Seconds for a node to start its answer.", defaultValue = "60")
    int first$_$byte$_$timeout();

    @AttributeDefinition(name = "read-timeout", description = "Seconds of silence from a node that end an answer under way (0: never); event streams have their own.", defaultValue = "300")
    int read$_$timeout();

    @AttributeDefinition(name = "stream-read-timeout", description = "Seconds of silence that end an event stream (0: never; streams stay open for hours).", defaultValue = "0")
    int stream$_$read$_$timeout();

    @AttributeDefinition(name = "host-header", description = "pass (the client's Host), node (the node's host:port) or a fixed host name.", defaultValue = "pass")
    String host$_$header();
}
