package org.gatehouse.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
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
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        byte[] transactionId = new byte[12];
        RANDOM.nextBytes(transactionId);
        boolean v6 = server.getAddress() instanceof Inet6Address;
        long[] sentAt = new long[1];
        int[] sent = new int[1];
        Bootstrap b = loops.datagramBootstrap(v6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
                            private final StunMessage answer = new StunMessage();

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                if (answer.parse(p.content()) != ParseResult.OK || answer.method() != Method.BINDING
                                        || (answer.messageClass() != MessageClass.SUCCESS_RESPONSE
                                            && answer.messageClass() != MessageClass.ERROR_RESPONSE)
                                        || !java.util.Arrays.equals(answer.transactionId(), transactionId)) {
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
                                result.complete(new ProbeResult(server, (InetSocketAddress) ctx.channel().localAddress(),
                                        reflexive, sw < 0 ? null : answer.string(sw),
                                        Duration.ofNanos(System.nanoTime() - sentAt[0]), sent[0]));
                            }
                        });
                    }
                });
        // Connected, so the kernel picks the source address: the result can say whether a NAT is in between.
        b.connect(server, new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0)).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            long deadline = System.nanoTime() + timeout.toNanos();
            Runnable[] send = new Runnable[1];
            ScheduledFuture<?>[] pending = new ScheduledFuture<?>[1];
            send[0] = () -> {
                long left = deadline - System.nanoTime();
                if (result.isDone() || left <= 0) {
                    return;
                }
                ByteBuf out = ch.alloc().ioBuffer(28);
                new StunWriter().start(out, REQUEST, transactionId).fingerprint();
                sentAt[0] = System.nanoTime();
                sent[0]++;
                ch.writeAndFlush(new DatagramPacket(out, server));
                long rto = TimeUnit.MILLISECONDS.toNanos(Math.min(500L << (sent[0] - 1), 8000L));
                if (rto < left) {
                    pending[0] = ch.eventLoop().schedule(send[0], rto, TimeUnit.NANOSECONDS);
                }
            };
            ch.eventLoop().execute(send[0]);
            ScheduledFuture<?> giveUp = ch.eventLoop().schedule(
                    () -> result.completeExceptionally(new TimeoutException(timeoutText(server, sent[0], timeout))),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((r, e) -> {
                if (pending[0] != null) {
                    pending[0].cancel(false);
                }
                giveUp.cancel(false);
                ch.close();
            });
        });
        return result;
    }

    private static String timeoutText(InetSocketAddress server, int sent, Duration timeout) {
        return "no answer from " + IpAddresses.format(server) + " to " + sent + " Binding request" + (sent == 1 ? "" : "s")
                + " within " + timeout.toMillis() + " ms";
    }
}
