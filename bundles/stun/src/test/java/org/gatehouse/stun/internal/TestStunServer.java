package org.gatehouse.stun.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import org.gatehouse.core.EventLoops;
import org.gatehouse.stun.TurnHandler;

/**
 * The STUN responder on real loopback sockets and the real event loops, outside OSGi, for other
 * bundles' tests (published in this module's test jar): the TURN tests plug their handler in here.
 */
public final class TestStunServer implements AutoCloseable {

    public final EventLoops loops;
    private final Responder responder;

    /** {@code keyValues}: STUN settings on top of {@code listen = 127.0.0.1:0} and {@code tls-listen = 127.0.0.1:0}. */
    public TestStunServer(int ioThreads, String... keyValues) {
        this(ioThreads, null, keyValues);
    }

    /**
     * {@code hostAddresses}: what the responder takes for this host's addresses (null: the real ones),
     * where a wildcard {@code listen} opens its per-address sockets.
     */
    public TestStunServer(int ioThreads, Supplier<List<InetAddress>> hostAddresses, String... keyValues) {
        responder = new Responder(ioThreads, hostAddresses, keyValues);
        loops = responder.loops;
    }

    public void turn(TurnHandler handler) {
        responder.component.bindTurn(handler);
    }

    /** Opens the TLS listeners with contexts from {@code contexts} (a certificate service stand-in). */
    public void tls(java.util.function.Supplier<io.netty.handler.ssl.SslContext> contexts) {
        responder.component.bindTls(contexts::get);
    }

    public org.gatehouse.stun.StunStatistics statistics() {
        return responder.component.statistics();
    }

    /** Lists this host's addresses again now, as the responder does every few seconds. */
    public void checkAddresses() {
        responder.component.checkAddresses();
    }

    /** Applies STUN settings {@code keyValues} as a changed etc/org.gatehouse.stun.cfg would. */
    public void reconfigure(String... keyValues) {
        responder.component.modified(Responder.props(keyValues));
    }

    public InetSocketAddress address(String protocol) {
        return responder.address(protocol);
    }

    @Override
    public void close() {
        responder.close();
    }
}
