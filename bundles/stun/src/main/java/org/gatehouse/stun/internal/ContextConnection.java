package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import org.gatehouse.stun.StunConnection;

/**
 * The part of a {@link StunConnection} that is the same for UDP sockets and TCP connections: the
 * handler's context, its loop and allocator, and flushing at the end of each read batch.
 */
abstract class ContextConnection extends ChannelInboundHandlerAdapter implements StunConnection {

    protected ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public void flush() {
        ctx.flush();
    }
}
