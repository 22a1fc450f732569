package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * Asks any STUN server for our reflexive address: a Binding request over UDP, retransmitted after
 * 500 ms, 1 s, 2 s... (RFC 8489 section 6.2.1) until an answer or the timeout.
 */
final class Prober {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int REQUEST = MessageClass.type(Method.BINDING, MessageClass.REQUEST);

    private final EventLoops loops;

    Prober(EventLoops loops) {
        this.loops = loops;
    }

    CompletableFuture<ProbeResult> probe(InetSocketAddress server, Duration timeout) {
        Attempt attempt = new Attempt(server, timeout);
        boolean v6 = server.getAddress() instanceof Inet6Address;
        Bootstrap b = loops.datagramBootstrap(v6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                attempt.answered(p.content(), (InetSocketAddress) ctx.channel().localAddress());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                // The host's ICMP port unreachable comes back as an exception on the
                                // connected socket: it is the probe's answer, not a fault of this server
                                // (Netty would log a stack trace at WARN for each request sent).
                                attempt.failed(cause);
                            }
                        });
                    }
                });
        // Connected, so the kernel picks the source address: the result can say whether a NAT is in between.
        b.connect(server, new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0)).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                attempt.start(f.channel());
            } else {
                attempt.result.completeExceptionally(f.cause());
            }
        });
        return attempt.result;
    }

    /** One probe: its socket, retransmissions and outcome. Runs on the socket's event loop. */
    private static final class Attempt {

        final CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        private final InetSocketAddress server;
        private final Duration timeout;
        private final byte[] transactionId = new byte[12];
        private final StunMessage answer = new StunMessage();
        private Channel channel;
        private long deadline;
        private long lastSent;
        private int sent;
        private ScheduledFuture<?> retransmit;

        Attempt(InetSocketAddress server, Duration timeout) {
            this.server = server;
            this.timeout = timeout;
            RANDOM.nextBytes(transactionId);
        }

        void start(Channel ch) {
            channel = ch;
            deadline = System.nanoTime() + timeout.toNanos();
            ScheduledFuture<?> giveUp = ch.eventLoop().schedule(
                    () -> result.completeExceptionally(new TimeoutException(timeoutText())),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((r, e) -> {
                giveUp.cancel(false);
                if (retransmit != null) {
                    retransmit.cancel(false);
                }
                ch.close();
            });
            ch.eventLoop().execute(this::send);
        }

        private void send() {
            long left = deadline - System.nanoTime();
            if (result.isDone() || left <= 0) {
                return;
            }
            ByteBuf out = channel.alloc().ioBuffer(28);
            new StunWriter().start(out, REQUEST, transactionId).fingerprint();
            lastSent = System.nanoTime();
            sent++;
            channel.writeAndFlush(new DatagramPacket(out, server));
            long rto = TimeUnit.MILLISECONDS.toNanos(Math.min(500L << (sent - 1), 8000L));
            if (rto < left) {
                retransmit = channel.eventLoop().schedule(this::send, rto, TimeUnit.NANOSECONDS);
            }
        }

        void answered(ByteBuf content, InetSocketAddress local) {
            if (answer.parse(content) != ParseResult.OK || answer.method() != Method.BINDING
                    || (answer.messageClass() != MessageClass.SUCCESS_RESPONSE
                        && answer.messageClass() != MessageClass.ERROR_RESPONSE)
                    || !Arrays.equals(answer.transactionId(), transactionId)) {
                return;
            }
            if (answer.messageClass() == MessageClass.ERROR_RESPONSE) {
                int e = answer.find(Attribute.ERROR_CODE);
                result.completeExceptionally(new IllegalStateException(IpAddresses.format(server)
                        + " answered with error " + (e < 0 ? "?" : answer.errorCode(e))));
                return;
            }
            int a = answer.find(Attribute.XOR_MAPPED_ADDRESS);
            if (a < 0) {
                a = answer.find(Attribute.MAPPED_ADDRESS);
            }
            InetSocketAddress reflexive = a < 0 ? null : answer.address(a);
            if (reflexive == null) {
                result.completeExceptionally(new IllegalStateException(IpAddresses.format(server)
                        + " answered without a mapped address"));
                return;
            }
            int sw = answer.find(Attribute.SOFTWARE);
            result.complete(new ProbeResult(server, local, reflexive, sw < 0 ? null : answer.string(sw),
                    Duration.ofNanos(System.nanoTime() - lastSent), sent));
        }

        void failed(Throwable cause) {
            String why = cause instanceof PortUnreachableException
                    ? "port unreachable: the host answered that nothing listens on that UDP port (ICMP port unreachable)"
                    : (cause.getMessage() == null ? cause.toString() : cause.getMessage());
            result.completeExceptionally(new IllegalStateException(IpAddresses.format(server) + ": " + why, cause));
        }

        private String timeoutText() {
            return "no answer from " + IpAddresses.format(server) + " to " + sent + " Binding request"
                    + (sent == 1 ? "" : "s") + " within " + timeout.toMillis() + " ms";
        }
    }
}
