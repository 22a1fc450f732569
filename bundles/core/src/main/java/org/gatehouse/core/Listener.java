package org.gatehouse.core;

import java.net.InetSocketAddress;

/**
 * A socket Gatehouse is listening on. Network bundles register one service per bound socket so that
 * status output and health checks can say what is open without knowing every bundle.
 */
public interface Listener {

    /** Short operator-facing name, e.g. {@code stun}, {@code https}, {@code http-redirect}. */
    String name();

    /** Transport as an operator writes it in a firewall rule: {@code udp}, {@code tcp} or {@code tls}. */
    String protocol();

    /** The address and port actually bound (port resolved when 0 was configured). */
    InetSocketAddress address();
}
