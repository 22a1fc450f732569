package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/** The client side of an upgraded (WebSocket) connection: bytes go to the node as they come. */
final class Relay extends ChannelInboundHandlerAdapter {

    private final ProxyExchange exchange;

    Relay(io.netty.channel.Channel node, ProxyExchange exchange) {
        this.exchange = exchange;
        node.closeFuture().addListener(f -> exchange.relayClosed());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(f -> exchange.relayClosed());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            exchange.toNode((ByteBuf) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
