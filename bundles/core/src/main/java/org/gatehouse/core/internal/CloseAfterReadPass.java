package org.gatehouse.core.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.RejectedExecutionException;

/**
 * First in the pipeline of every epoll UDP socket: a close goes on in a task of the channel's loop,
 * after the read pass in progress.
 *
 * <p>Netty 4.1's epoll datagram channel takes several datagrams per read pass and does not stop the
 * pass when a handler closes the channel: its next receive call uses the closed socket's file
 * descriptor number, which by then may belong to another socket of the process. If that is a blocking
 * socket (any JDK socket opened meanwhile), the event loop blocks inside recvmmsg forever and every
 * channel on it stops; if it is another non-blocking one, the pass takes that socket's datagrams.
 * This hung a STUN listener's loop in StunResponderTest: the prober closed its socket on the answer,
 * the test opened a socket, which took the number, and recvmmsg blocked on it. A handler may still
 * see the rest of the pass's datagrams after it asked for the close.
 */
@ChannelHandler.Sharable
final class CloseAfterReadPass extends ChannelOutboundHandlerAdapter {

    static final CloseAfterReadPass INSTANCE = new CloseAfterReadPass();

    private CloseAfterReadPass() {
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        try {
            ctx.executor().execute(() -> ctx.close(promise));
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: no read pass follows.
            ctx.close(promise);
        }
    }
}
