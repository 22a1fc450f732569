package org.gatehouse.stun.internal;

import io.netty.handler.ssl.SslContext;

/**
 * Where the TLS listeners get their server context: registered inside this bundle by
 * {@link StunTlsComponent} while the certificate service ({@code org.gatehouse.tls}) is there, so the
 * responder itself never needs that package (STUN runs without the TLS bundle).
 */
interface TlsContexts {

    /** The context for a new connection, with the certificate in force now. */
    SslContext context();
}
