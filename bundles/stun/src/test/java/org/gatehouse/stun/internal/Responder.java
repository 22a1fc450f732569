package org.gatehouse.stun.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.gatehouse.core.Listener;
import org.gatehouse.core.internal.EventLoopsAccess;
import org.gatehouse.core.EventLoops;

/** A responder on real sockets and the real event loops, outside OSGi, for tests. */
final class Responder implements AutoCloseable {

    final EventLoops loops;
    final StunResponderComponent component = new StunResponderComponent();

    Responder(String... config) {
        this(2, config);
    }

    Responder(int ioThreads, String... config) {
        this(ioThreads, null, config);
    }

    /** {@code hostAddresses}: what the responder takes for this host's addresses (null: the real ones). */
    Responder(int ioThreads, Supplier<List<InetAddress>> hostAddresses, String... config) {
        this(ioThreads, hostAddresses, 0, config);
    }

    /** {@code retryMillis}: between tries of listeners that could not be opened (0: as shipped, 10 s). */
    Responder(int ioThreads, Supplier<List<InetAddress>> hostAddresses, long retryMillis, String... config) {
        loops = EventLoopsAccess.start(Map.of("io-threads", String.valueOf(ioThreads)));
        component.loops = loops;
        if (retryMillis > 0) {
            component.retryMillis = retryMillis;
        }
        if (hostAddresses != null) {
            component.hostAddresses = hostAddresses;
        }
        component.activate(null, props(config));
    }

    static Map<String, Object> props(String... keyValues) {
        Map<String, Object> p = new HashMap<>();
        p.put("listen", "127.0.0.1:0");
        p.put("tls-listen", "127.0.0.1:0");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    InetSocketAddress address(String protocol) {
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
