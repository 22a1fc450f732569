package org.gatehouse.balancer.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;

/**
 * Active health checks of a pool's nodes (optional): every {@code health-interval} seconds a
 * connection (with its TLS handshake on TLS pools) or an HTTP GET of {@code health-path}; answers
 * below 500 pass. {@code health-fall} failures in a row take a node out, {@code health-rise} passes
 * bring it back. Without them, a node is judged by its real requests only (passive health).
 */
final class HealthChecks {

    private final ProxyRoute route;
    private final EventLoops loops;
    private ScheduledFuture<?> task;
    private PoolSettings.HealthCheck mode = PoolSettings.HealthCheck.OFF;
    private int interval;
    /**
     * Moved on whenever the checks stop: a probe still under way then (an HTTP check waits up to
     * health-interval for its answer) says nothing any more. Its late failure, counted after checks
     * were turned off, took a node out with no check left to bring it back.
     */
    private int generation;

    HealthChecks(ProxyRoute route, EventLoops loops) {
        this.route = route;
        this.loops = loops;
    }

    synchronized void follow(Pool pool) {
        PoolSettings s = pool.settings();
        if (s.healthCheck() == mode && s.healthInterval() == interval && (task != null || mode == PoolSettings.HealthCheck.OFF)) {
            return;
        }
        stop();
        mode = s.healthCheck();
        interval = s.healthInterval();
        if (mode == PoolSettings.HealthCheck.OFF) {
            pool.nodes().forEach(Node::clearChecks);
            return;
        }
        EventLoop loop = loops.group().next();
        int checks = generation;
        task = loop.scheduleAtFixedRate(() -> pool.nodes().forEach(n -> probe(pool, n, loop, checks)), 0, interval, TimeUnit.SECONDS);
    }

    synchronized void stop() {
        generation++;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    /** One check of {@code node}, made for the checks of {@code checks} (a {@link #generation}). */
    private void probe(Pool pool, Node node, EventLoop loop, int checks) {
        if (!node.addressKnown()) {
            // No address to check: it gets no requests until its name resolves, which is not a failed check.
            return;
        }
        PoolSettings s = pool.settings();
        boolean http = s.healthCheck() == PoolSettings.HealthCheck.HTTP;
        Verdict verdict = new Verdict(node, s, checks);
        route.connect(node, pool.tls(), Math.min(s.connectTimeout(), s.healthInterval()), loop, verdict)
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        verdict.give(false, "connect: " + (f.cause() == null ? "failed" : f.cause().getMessage()));
                        return;
                    }
                    Channel c = f.channel();
                    if (!http) {
                        verdict.give(true, "");
                        c.close();
                        return;
                    }
                    DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, s.healthPath());
                    get.headers().set(HttpHeaderNames.HOST, s.tls().name().isEmpty() ? node.address() : s.tls().name());
                    get.headers().set(HttpHeaderNames.CONNECTION, "close");
                    get.headers().set(HttpHeaderNames.USER_AGENT, "Gatehouse health check");
                    c.writeAndFlush(get);
                    c.eventLoop().schedule(() -> {
                        if (verdict.give(false, "no answer to GET " + s.healthPath() + " within " + s.healthInterval() + " s")) {
                            c.close();
                        }
                    }, s.healthInterval(), TimeUnit.SECONDS);
                });
    }

    /** Reads the answer to a health GET; the first verdict counts, if the checks it was made for still run. */
    private final class Verdict extends SimpleChannelInboundHandler<HttpObject> {

        private final Node node;
        private final PoolSettings settings;
        private final int madeIn;
        private boolean given;

        Verdict(Node node, PoolSettings settings, int madeIn) {
            this.node = node;
            this.settings = settings;
            this.madeIn = madeIn;
        }

        boolean give(boolean ok, String why) {
            if (given) {
                return false;
            }
            given = true;
            // Under the lock follow() holds while it stops the checks and clears what they concluded.
            synchronized (HealthChecks.this) {
                if (madeIn == generation) {
                    node.checked(ok, settings.healthRise(), settings.healthFall(), why);
                }
            }
            return true;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse) {
                int code = ((HttpResponse) msg).status().code();
                give(code < 500 && msg.decoderResult().isSuccess(), "GET " + settings.healthPath() + " answered " + code);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            give(false, "closed the connection without answering");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            give(false, cause.getMessage());
            ctx.close();
        }
    }
}
