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

    /** Every transport there is (a native one not loading here runs as the next one, and says so). */
    private static final String[] TRANSPORTS = {"io_uring", "epoll", "nio"};

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
            // A Problem until it is fixed, beginning with the file and key, as every refusal's.
            assertEquals(1, c.problems().size(), c.problems().toString());
            assertTrue(c.problems().get(0).startsWith("configuration org.gatehouse.core: io-threads = 'many' "), c.problems().get(0));
            assertTrue(c.problems().get(0).endsWith("; running one I/O thread per core (" + Runtime.getRuntime().availableProcessors()
                    + ") until it is fixed and the server restarted"), c.problems().get(0));
            c.modified(Map.of("io-threads", "0"));
            assertEquals(java.util.List.of(), c.problems(), "fixed");
        } finally {
            c.deactivate();
        }
    }

    @Test
    void aBadValueWhileRunningIsAProblemUntilFixed() {
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "1", "io-transport", "nio"));
        try {
            assertEquals(java.util.List.of(), c.problems());
            c.modified(Map.of("io-threads", "1", "io-transport", "fast"));
            assertEquals(1, c.problems().size(), c.problems().toString());
            assertTrue(c.problems().get(0).startsWith("configuration org.gatehouse.core: io-transport = 'fast' "), c.problems().get(0));
            assertTrue(c.problems().get(0).endsWith("; keeping 1 nio event loops, and the next start would refuse it too: fix it first"),
                    c.problems().get(0));
            c.modified(Map.of("io-threads", "1", "io-transport", "nio"));
            assertEquals(java.util.List.of(), c.problems());
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
    void nativeTransportsOnLinuxX86() {
        if (!System.getProperty("os.name").startsWith("Linux") || !"amd64".equals(System.getProperty("os.arch"))) {
            return;
        }
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "1"));
        try {
            // auto: io_uring where the kernel allows it (a container's seccomp profile may not), else epoll.
            boolean uring = IoUringTransport.unavailabilityReason().isEmpty();
            assertEquals(uring ? EventLoops.Transport.IO_URING : EventLoops.Transport.EPOLL, c.transport(), c.nativeUnavailableReason());
            assertTrue(c.reusePortSupported());
            // Empty whenever a native transport runs, io_uring or not: TURN offers DONT-FRAGMENT on that.
            assertEquals("", c.nativeUnavailableReason());
            assertEquals(java.util.List.of(), c.problems());
        } finally {
            c.deactivate();
        }
        c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "1", "io-transport", "epoll"));
        try {
            assertEquals(EventLoops.Transport.EPOLL, c.transport(), c.nativeUnavailableReason());
            assertEquals("", c.nativeUnavailableReason());
            assertEquals(java.util.List.of(), c.problems());
        } finally {
            c.deactivate();
        }
    }

    /** io_uring asked for where it does not load: epoll, and a Problem saying so. */
    @Test
    void ioUringAskedForAndMissingIsAProblem() {
        org.junit.jupiter.api.Assumptions.assumeFalse(IoUringTransport.unavailabilityReason().isEmpty(), "io_uring loads here");
        EventLoopsComponent c = new EventLoopsComponent();
        c.activate(Map.of("io-threads", "1", "io-transport", "io_uring"));
        try {
            assertTrue(c.problems().get(0).contains("io-transport = io_uring, but it does not load"), c.problems().toString());
        } finally {
            c.deactivate();
        }
    }

    /**
     * A listener socket stays writable through a loop pass that sends 2,000 datagrams of 200 bytes,
     * flushed every 100 as relayed media is: Gatehouse drops media at an unwritable socket, and
     * io_uring's sends stay in the outbound buffer until the kernel completes them, a pass later.
     */
    @Test
    void aListenerStaysWritableThroughABusyPass() throws Exception {
        for (String transport : TRANSPORTS) {
            EventLoopsComponent c = new EventLoopsComponent();
            c.activate(Map.of("io-transport", transport, "io-threads", "1"));
            try (java.net.DatagramSocket sink = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                sink.setReceiveBufferSize(4 << 20);
                Channel listener = c.datagramBootstrap(InternetProtocolFamily.IPv4)
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", sink.getLocalPort());
                int unwritableAt = listener.eventLoop().submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        if (!listener.isWritable()) {
                            return i;
                        }
                        listener.write(new DatagramPacket(Unpooled.wrappedBuffer(new byte[200]), to), listener.voidPromise());
                        if (i % 100 == 99) {
                            listener.flush();
                        }
                    }
                    return -1;
                }).get(5, TimeUnit.SECONDS);
                assertEquals(-1, unwritableAt, transport + ": unwritable after " + unwritableAt + " datagrams");
                listener.close().sync();
            } finally {
                c.deactivate();
            }
        }
    }

    /**
     * A relay socket (exclusiveDatagramBootstrap) on io_uring holds room for one receive and a few sends in
     * flight, not Netty's 256 of each (about 270 KB a socket); it still sends a burst far beyond that
     * room, in order, and receives each datagram whole.
     */
    @Test
    void relaySocketsAreSmallAndSendBurstsWhole() throws Exception {
        for (String transport : TRANSPORTS) {
            EventLoopsComponent c = new EventLoopsComponent();
            c.activate(Map.of("io-transport", transport, "io-threads", "1"));
            try (java.net.DatagramSocket peer = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                peer.setSoTimeout(2000);
                peer.setReceiveBufferSize(1 << 20);
                java.util.List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                java.util.concurrent.CountDownLatch echoes = new java.util.concurrent.CountDownLatch(3);
                Channel relay = c.exclusiveDatagramBootstrap(InternetProtocolFamily.IPv4)
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                got.add(p.content().toString(StandardCharsets.ISO_8859_1));
                                echoes.countDown();
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                if (relay instanceof io.netty.channel.uring.IoUringDatagramChannel) {
                    assertTrue(IoUringTransport.SmallHeaders.available(), transport);
                    java.lang.reflect.Field f = relay.getClass().getDeclaredField("recvmsgHdrs");
                    f.setAccessible(true);
                    Object receives = f.get(relay);
                    java.lang.reflect.Method capacity = receives.getClass().getDeclaredMethod("capacity");
                    capacity.setAccessible(true);
                    assertEquals(1, capacity.invoke(receives), transport);
                    f = relay.getClass().getDeclaredField("sendmsgHdrs");
                    f.setAccessible(true);
                    assertEquals((int) IoUringTransport.RELAY_SENDS_IN_FLIGHT, capacity.invoke(f.get(relay)), transport);
                }
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", peer.getLocalPort());
                int burst = 200;
                relay.eventLoop().execute(() -> {
                    for (int i = 0; i < burst; i++) {
                        relay.write(new DatagramPacket(Unpooled.copiedBuffer(String.format("%04d", i), StandardCharsets.US_ASCII), to));
                    }
                    relay.flush();
                });
                byte[] buf = new byte[100];
                for (int i = 0; i < burst; i++) {
                    java.net.DatagramPacket d = new java.net.DatagramPacket(buf, buf.length);
                    peer.receive(d);
                    assertEquals(String.format("%04d", i), new String(d.getData(), 0, d.getLength(), StandardCharsets.US_ASCII), transport);
                }
                InetSocketAddress relayAddress = (InetSocketAddress) relay.localAddress();
                for (String text : new String[] {"one", "two", "x".repeat(1200)}) {
                    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
                    peer.send(new java.net.DatagramPacket(b, b.length, relayAddress));
                }
                assertTrue(echoes.await(2, TimeUnit.SECONDS), transport + ": " + got);
                assertEquals(java.util.List.of("one", "two", "x".repeat(1200)), got, transport);
                relay.close().sync();
            } finally {
                c.deactivate();
            }
        }
    }

    @Test
    void udpEchoesThroughTheSharedLoops() throws Exception {
        for (String transport : TRANSPORTS) {
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

    /**
     * A listener socket (datagramBootstrap). Datagrams
     * queued while the loop is busy must each reach the handler with their own sender and content,
     * in each sender's order, also beyond one read pass (64 datagrams: 161 are queued here, well within
     * the default 208 KiB receive buffer the kernel caps SO_RCVBUF at) and with nothing arriving
     * afterwards to wake the socket again; one longer than MAX_DATAGRAM_SIZE arrives truncated to it.
     */
    @Test
    void listenerSocketTakesQueuedDatagramsWholeAndInOrder() throws Exception {
        for (String transport : TRANSPORTS) {
            EventLoopsComponent c = new EventLoopsComponent();
            c.activate(Map.of("io-transport", transport, "io-threads", "1"));
            int senders = 4;
            int each = 40;
            java.util.List<String> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(senders * each + 1);
            try {
                Channel server = c.datagramBootstrap(InternetProtocolFamily.IPv4)
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                String text = p.content().toString(StandardCharsets.ISO_8859_1);
                                got.add(p.sender().getPort() + " " + text.length() + " " + text.substring(0, 12));
                                all.countDown();
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                InetSocketAddress to = (InetSocketAddress) server.localAddress();
                java.net.DatagramSocket[] sockets = new java.net.DatagramSocket[senders];
                java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
                // Keep the loop busy until every datagram is queued on the socket.
                server.eventLoop().execute(() -> {
                    try {
                        sent.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                java.util.List<String> expected = new java.util.ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    sockets[s] = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                }
                for (int i = 0; i < each; i++) {
                    for (int s = 0; s < senders; s++) {
                        int length = 12 + (i * 97 + s * 31) % 300;
                        String head = String.format("%3d-%3d-", s, i);
                        byte[] data = (head + "x".repeat(length - head.length())).getBytes(StandardCharsets.ISO_8859_1);
                        sockets[s].send(new java.net.DatagramPacket(data, data.length, to));
                        expected.add(sockets[s].getLocalPort() + " " + length + " " + (head + "xxxx"));
                    }
                }
                byte[] big = new byte[EventLoops.MAX_DATAGRAM_SIZE + 500];
                java.util.Arrays.fill(big, (byte) 'y');
                sockets[0].send(new java.net.DatagramPacket(big, big.length, to));
                expected.add(sockets[0].getLocalPort() + " " + EventLoops.MAX_DATAGRAM_SIZE + " yyyyyyyyyyyy");
                sent.countDown();
                assertTrue(all.await(2, TimeUnit.SECONDS),
                        transport + ": " + got.size() + " of " + (senders * each + 1) + " datagrams arrived within 2 s");
                assertEquals(expected.size(), got.size(), transport);
                for (int s = 0; s < senders; s++) {
                    String port = sockets[s].getLocalPort() + " ";
                    assertEquals(expected.stream().filter(e -> e.startsWith(port)).toList(),
                            got.stream().filter(e -> e.startsWith(port)).toList(), transport + ", sender " + s);
                    sockets[s].close();
                }
                server.close().sync();
            } finally {
                c.deactivate();
            }
        }
    }

    /**
     * A handler closes its own listener socket on the first datagram while more are queued for the
     * same read pass; blocking sockets opened right after the close take the lowest free descriptor
     * numbers, the closed socket's among them. The loop must not go on to read that number, which
     * blocks it for good, as Netty's epoll channel alone does (see CloseAfterReadPass).
     */
    @Test
    void aSocketClosedByItsHandlerMidPassKeepsItsLoopServing() throws Exception {
        for (String transport : TRANSPORTS) {
            EventLoopsComponent c = new EventLoopsComponent();
            c.activate(Map.of("io-transport", transport, "io-threads", "1"));
            java.util.List<java.nio.channels.DatagramChannel> takers = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
            try (java.net.DatagramSocket sender = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                Channel server = c.datagramBootstrap(InternetProtocolFamily.IPv4)
                        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                                if (closed.getCount() == 0) {
                                    return;
                                }
                                ctx.channel().close().addListener(f -> {
                                    for (int i = 0; i < 64; i++) {
                                        takers.add(java.nio.channels.DatagramChannel.open()
                                                .bind(new InetSocketAddress("127.0.0.1", 0)));
                                    }
                                    closed.countDown();
                                });
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                InetSocketAddress to = (InetSocketAddress) server.localAddress();
                // Keep the loop busy until all datagrams are queued, so that one pass finds them all.
                server.eventLoop().execute(() -> {
                    try {
                        sent.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                byte[] data = new byte[100];
                for (int i = 0; i < 40; i++) {
                    sender.send(new java.net.DatagramPacket(data, data.length, to));
                }
                sent.countDown();
                boolean wasClosed = closed.await(2, TimeUnit.SECONDS);
                boolean serving = server.eventLoop().submit(() -> { }).await(2, TimeUnit.SECONDS);
                for (java.nio.channels.DatagramChannel t : takers) {
                    // Wakes a loop stuck reading a taker's descriptor, so that it can stop.
                    sender.send(new java.net.DatagramPacket(data, data.length, t.getLocalAddress()));
                    t.close();
                }
                assertTrue(wasClosed, transport + ": closed");
                assertTrue(serving, transport + ": the event loop runs tasks after the close");
            } finally {
                c.deactivate();
            }
        }
    }
}
