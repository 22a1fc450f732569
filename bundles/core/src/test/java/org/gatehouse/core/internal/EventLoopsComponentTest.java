package org.gatehouse.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gatehouse.core.EventLoops;
import org.junit.jupiter.api.Test;

class EventLoopsComponentTest {

    @Test
    void threadCountFromConfiguration() {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "3"));
        try {
            assertEquals(3, c.threads());
        } finally {
            c.deactivate();
        }
    }

    @Test
    void badThreadCountFallsBackToOnePerCore() {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "many"));
        try {
            assertEquals(Runtime.getRuntime().availableProcessors(), c.threads());
        } finally {
            c.deactivate();
        }
    }

    @Test
    void nioWhenAskedFor() {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-transport", "nio", "io-threads", "1"));
        try {
            assertEquals(EventLoops.Transport.NIO, c.transport());
        } finally {
            c.deactivate();
        }
    }

    @Test
    void epollOnLinuxX86() {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "1"));
        try {
            if (System.getProperty("os.name").startsWith("Linux") && "amd64".equals(System.getProperty("os.arch"))) {
                assertEquals(EventLoops.Transport.EPOLL, c.transport(), c.nativeUnavailableReason());
                assertTrue(c.reusePortSupported());
            }
        } finally {
            c.deactivate();
        }
    }

    @Test
    void udpEchoesThroughTheSharedLoops() throws Exception {
        for (String transport : new String[] {"auto", "nio"}) {
            EventLoopsComponent c = new EventLoopsComponent();
            c.activate(Map.of("io-transport", transport, "io-threads", "1"));
            try {
                CompletableFuture<String> got = new CompletableFuture<>();
                Channel server = new Bootstrap().group(c.group())
                        .channelFactory(c.datagramChannelFactory(InternetProtocolFamily.IPv4))
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                got.complete(p.content().toString(StandardCharsets.US_ASCII));
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                Channel client = new Bootstrap().group(c.group())
                        .channelFactory(c.datagramChannelFactory(InternetProtocolFamily.IPv4))
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                client.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII),
                        (InetSocketAddress) server.localAddress())).sync();
                assertEquals("ping", got.get(5, TimeUnit.SECONDS), transport);
                client.close().sync();
                server.close().sync();
            } finally {
                c.deactivate();
            }
        }
    }
}
