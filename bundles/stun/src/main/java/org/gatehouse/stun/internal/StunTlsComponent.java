package org.gatehouse.stun.internal;

import io.netty.handler.ssl.SslContext;
import java.util.List;
import org.gatehouse.tls.ServerCertificates;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Brings the operator's certificate to the STUN/TURN TLS listeners. Only this class touches
 * {@code org.gatehouse.tls}: without that bundle this component simply stays unsatisfied and its
 * class is never loaded, and the responder serves UDP and TCP alone.
 */
@Component(name = "org.gatehouse.stun.tls", service = TlsContexts.class)
public final class StunTlsComponent implements TlsContexts {

    @Reference
    ServerCertificates certificates;

    @Override
    public SslContext context() {
        // No ALPN: TURN clients (RFC 7443's "stun.turn" is optional) connect without it.
        return certificates.serverContext(List.of());
    }
}
