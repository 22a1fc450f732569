package org.gatehouse.tls;

import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The server certificate in force and the TLS contexts made from it. Listeners ask for the context
 * for each new connection: a certificate replaced through {@link #install} (or by copying a new file
 * over the configured one) serves the next handshake, and connections already open keep theirs.
 */
public interface ServerCertificates {

    /** The certificate now served. */
    CertificateInfo current();

    /**
     * A server context with the configured protocols and cipher suites, offering
     * {@code applicationProtocols} by ALPN (none: no ALPN). Cached until the certificate or settings change.
     */
    SslContext serverContext(List<String> applicationProtocols);

    /**
     * Why the certificate file the settings name is not what is served, in one line naming the file
     * and saying what is served in its place (the certificate in force before it, the last one
     * accepted from it, or the self-signed one); empty while that file is what is served.
     * The TLS bundle also states it as a {@code org.gatehouse.core.Problem} (as it does a served
     * certificate that expires within 21 days or has expired), which {@code gatehouse:status} and the
     * status page list and {@code gatehouse_problems} counts: consumers need not list it again.
     */
    Optional<String> problem();

    /** "OpenSSL (BoringSSL)" or "JDK", and why not OpenSSL when it is the JDK. */
    String engine();

    /**
     * Checks a PEM file as {@link #install} would (key matches certificate, chain links up, within its
     * validity) without installing it.
     *
     * @throws InvalidCertificateException saying what is wrong, in one line
     */
    CertificateInfo inspect(Path pemFile) throws InvalidCertificateException;

    /**
     * Checks {@code pemFile}, keeps the certificate in force as the rollback copy, and puts the new one
     * in force for new handshakes.
     *
     * @throws InvalidCertificateException when the file is refused; the certificate in force stays
     */
    CertificateInfo install(Path pemFile) throws InvalidCertificateException;

    /**
     * Puts back the certificate served before the one in force, whether that one came by
     * {@link #install} or by a file copied over the configured one, and keeps the one in force as the
     * rollback copy.
     *
     * @throws InvalidCertificateException when there is nothing to roll back to
     */
    CertificateInfo rollback() throws InvalidCertificateException;
}
