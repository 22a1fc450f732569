package org.gatehouse.core;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.RejectedExecutionException;

/**
 * Closing a UDP socket of {@link EventLoops} safely.
 *
 * <p>Netty's epoll datagram channel (4.1) takes several datagrams per read pass and does not stop the
 * pass when a handler closes the channel: its next receive call uses the closed socket's file
 * descriptor number, which by then may belong to another socket of the process. If that is a blocking
 * socket (any JDK socket opened meanwhile), the event loop blocks inside recvmmsg forever and every
 * channel on it stops; if it is another non-blocking one, the pass takes that socket's datagrams.
 * This hung a STUN listener's loop in StunResponderTest: the prober closed its socket on the answer,
 * the test opened a socket, which took the number, and recvmmsg blocked on it.
 *
 * <p>{@link #close} closes in a task of the channel's loop, which runs after the read pass.
 */
public final class UdpChannels {

    private UdpChannels() {
    }

    /**
     * Closes {@code channel} outside any read pass; callable from any thread, from the channel's own
     * handlers included. A handler may still see the rest of the current pass's datagrams.
     */
    public static ChannelFuture close(Channel channel) {
        if (!channel.isRegistered() || !channel.eventLoop().inEventLoop()) {
            // Netty runs it as a task of the loop already.
            return channel.close();
        }
        ChannelPromise closed = channel.newPromise();
        try {
            channel.eventLoop().execute(() -> channel.close(closed));
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: no read pass follows.
            channel.close(closed);
        }
        return closed;
    }
}
