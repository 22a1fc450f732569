package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.junit.jupiter.api.Test;

/**
 * A stopped responder stays stopped: SCR unbinds the dynamic references (the certificate service)
 * after deactivation, and that must not open the listeners again (they answered STUN after the
 * bundle was stopped or uninstalled, and held the ports against the next start).
 */
class StoppedResponderTest {

    @Test
    void theCertificateServiceGoingAfterDeactivationOpensNothing() throws Exception {
        Responder r = new Responder("tcp", "true");
        InetSocketAddress udp = r.address("udp");
        InetSocketAddress tcp = r.address("tcp");
        try {
            r.component.deactivate();
            r.component.unbindTls(null); // as SCR does after deactivate, with no certificate service bound
            assertEquals(List.of(), r.component.listeners());
            try (DatagramSocket u = new DatagramSocket(udp); ServerSocket t = new ServerSocket()) {
                t.bind(tcp); // both ports free again
            }
        } finally {
            EventLoopsAccess.stop(r.loops);
        }
    }
}
