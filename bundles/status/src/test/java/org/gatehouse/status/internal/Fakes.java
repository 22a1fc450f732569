package org.gatehouse.status.internal;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.core.Listener;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.FrontStatistics;
import org.gatehouse.tls.ServerCertificates;
import org.gatehouse.turn.AllocationInfo;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;

/** Plain implementations of the feature APIs whose answers a test sets. */
final class Fakes {

    private Fakes() {
    }

    static final class FakePools implements Pools {
        volatile List<PoolStatus> pools = List.of();

        @Override
        public List<PoolStatus> pools() {
            return pools;
        }

        @Override
        public void addNode(String pool, String node) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeNode(String pool, String address) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void drainNode(String pool, String address) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void enableNode(String pool, String address) {
            throw new UnsupportedOperationException();
        }
    }

    static final class FakeTurn implements TurnAdmin {
        volatile TurnStatistics statistics = turn(0, 0);
        volatile boolean enabled = true;
        volatile org.gatehouse.turn.Draining draining;

        @Override
        public org.gatehouse.turn.Draining draining() {
            return draining;
        }

        @Override
        public List<AllocationInfo> allocations() {
            return List.of();
        }

        @Override
        public boolean kill(long id) {
            return false;
        }

        @Override
        public TurnStatistics statistics() {
            return statistics;
        }

        @Override
        public String realm() {
            return "gatehouse.example.com";
        }

        @Override
        public boolean enabled() {
            return enabled;
        }
    }

    static TurnStatistics turn(int allocations, long bytesToPeers) {
        return new TurnStatistics(allocations, 2 * allocations, allocations, 10, 10 - allocations, 100, bytesToPeers, 90, 9000, 3, 1, 4,
                0, 5, 0, 7);
    }

    static final class FakeCertificates implements ServerCertificates {
        volatile CertificateInfo current = certificate("CN=gatehouse.example.com", Instant.now().plus(Duration.ofDays(90).plusHours(1)));
        volatile String problem;

        @Override
        public CertificateInfo current() {
            return current;
        }

        @Override
        public Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        @Override
        public SslContext serverContext(List<String> applicationProtocols) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String engine() {
            return "JDK";
        }

        @Override
        public CertificateInfo inspect(Path pemFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CertificateInfo install(Path pemFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CertificateInfo rollback() {
            throw new UnsupportedOperationException();
        }
    }

    static CertificateInfo certificate(String subject, Instant notAfter) {
        return new CertificateInfo(subject, List.of("gatehouse.example.com"), subject, notAfter.minus(Duration.ofDays(365)), notAfter,
                "AA:BB", "EC 256", 1, "test", true, List.of());
    }

    static final class FakeStun implements StunService {
        volatile long bindings;

        @Override
        public List<Listener> listeners() {
            return List.of();
        }

        @Override
        public StunStatistics statistics() {
            return new StunStatistics(bindings, 1, 2, 3, 4, 5, 6, 7, 0.5, 0, 0);
        }

        @Override
        public CompletionStage<ProbeResult> probe(InetSocketAddress server, Duration timeout) {
            throw new UnsupportedOperationException();
        }
    }

    static final class FakeFront implements FrontStatistics {
        volatile int open;
        final SortedMap<Integer, Long> https = new TreeMap<>();

        @Override
        public int openConnections() {
            return open;
        }

        @Override
        public SortedMap<Integer, Long> responses(String listener) {
            return HTTPS.equals(listener) ? new TreeMap<>(https) : new TreeMap<>();
        }
    }

    static Listener listener(String name, String protocol, InetSocketAddress address) {
        return new Listener() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public InetSocketAddress address() {
                return address;
            }
        };
    }
}
