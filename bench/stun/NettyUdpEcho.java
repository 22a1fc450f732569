import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * A bare Netty epoll UDP server that answers each request with a Binding-success-shaped datagram
 * carrying the request's transaction ID, nothing else: the smallest server that shows whether
 * Netty's batched receive (recvmmsg) hands datagrams on with the right sender and content.
 *
 * usage: java -cp NETTY_JARS NettyUdpEcho.java PORT recvmsg|recvmmsg|recvmmsg-lt
 * (recvmmsg-lt: batched receive with the socket registered level-triggered instead of Netty's
 * default edge-triggered)
 */
public class NettyUdpEcho {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        boolean batched = args[1].startsWith("recvmmsg");
        EventLoopGroup group = new EpollEventLoopGroup(1);
        Bootstrap b = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20);
        if (args[1].endsWith("-lt")) {
            b.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
        if (batched) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 4096)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * 4096));
        } else {
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(4096));
        }
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        ByteBuf in = p.content();
                        ByteBuf out = ctx.alloc().ioBuffer(20);
                        out.writeShort(0x0101).writeShort(0).writeBytes(in, in.readerIndex() + 4, 16);
                        InetSocketAddress sender = p.sender();
                        p.release();
                        ctx.write(new DatagramPacket(out, sender), ctx.voidPromise());
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        ctx.flush();
                        ctx.fireChannelReadComplete();
                    }
                });
            }
        });
        b.bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("ready");
        Thread.sleep(Long.MAX_VALUE);
    }
}
