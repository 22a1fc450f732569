package org.gatehouse.tls.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.tls.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = TlsSettings.PID, name = "Gatehouse TLS",
        description = "The operator's certificate and the TLS settings of every Gatehouse TLS listener.")
@interface TlsConfiguration {

    @AttributeDefinition(name = "certificate", description = "PEM file: server certificate, unencrypted private key, intermediates, any order. "
            + "Watched: a file copied over it is put in force. Missing: a self-signed certificate for hostname.domain is made and kept in data/tls/.",
            defaultValue = TlsSettings.DEFAULT_CERTIFICATE)
    String certificate();

    @AttributeDefinition(name = "hostname", description = "This server's host name (the certificate's name is hostname.domain). Default: the system's.")
    String hostname();

    @AttributeDefinition(name = "domain", description = "DNS domain; with hostname, the FQDN clients connect to.", defaultValue = "")
    String domain();

    @AttributeDefinition(name = "protocols", description = "TLSv1.3, TLSv1.2 (nothing older is accepted).", defaultValue = "TLSv1.3, TLSv1.2")
    String protocols();

    @AttributeDefinition(name = "ciphers", description = "Cipher suites (IANA names); default Mozilla's intermediate list.")
    String ciphers();

    @AttributeDefinition(name = "session-cache-size", defaultValue = "20480", min = "0")
    int session$_$cache$_$size();

    @AttributeDefinition(name = "session-timeout", description = "Seconds a TLS session can be resumed.", defaultValue = "86400", min = "60")
    int session$_$timeout();

    @AttributeDefinition(name = "engine", description = "auto (OpenSSL when it loads), openssl, or jdk.", defaultValue = "auto")
    String engine();
}
