package org.gatehouse.stun.internal;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.stun.TurnHandler;

/**
 * The STUN responder on real loopback sockets and the real event loops, outside OSGi, for other
 * bundles' tests (published in this module's test jar): the TURN tests plug their handler in here.
 */
public final class TestStunServer implements AutoCloseable {

    public final EventLoops loops;
    private final StunResponderComponent component = new StunResponderComponent();

    /** {@code keyValues}: STUN settings on top of {@code listen = 127.0.0.1:0} and {@code tls-listen = 127.0.0.1:0}. */
    public TestStunServer(int ioThreads, String... keyValues) {
        loops = EventLoopsAccess.start(Map.of("io-threads", String.valueOf(ioThreads)));
        component.loops = loops;
        Map<String, Object> p = new HashMap<>();
        p.put("listen", "127.0.0.1:0");
        p.put("tls-listen", "127.0.0.1:0");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        component.activate(null, p);
    }

    public void turn(TurnHandler handler) {
        component.bindTurn(handler);
    }

    /** Opens the TLS listeners with contexts from {@code contexts} (a certificate service stand-in). */
    public void tls(java.util.function.Supplier<io.netty.handler.ssl.SslContext> contexts) {
        component.bindTls(contexts::get);
    }

    public InetSocketAddress address(String protocol) {
        for (Listener l : component.listeners()) {
            if (l.protocol().equals(protocol)) {
                return l.address();
            }
        }
        throw new AssertionError("no " + protocol + " listener in " + component.listeners());
    }

    @Override
    public void close() {
        component.deactivate();
        EventLoopsAccess.stop(loops);
    }
}
