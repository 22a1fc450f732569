package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * The HTTP codec of a connection to a node (in place of Netty's HttpClientCodec): requests encoded,
 * answers decoded, each answer read as the answer to the request sent before it (no body after HEAD).
 * A node's bytes beyond its answer (a body after HEAD or 204, more than Content-Length said, anything
 * sent while no request waits, in the same read or a later one) are never read as the start of the
 * next request's answer: no request waits for them, so the connection closes ({@link #reusable} turns
 * false), as nginx closes a kept-alive connection that has something to read. A connection is kept for
 * the next request only once the read that ended its answer has ended ({@link UpstreamHandler}).
 */
final class NodeCodec extends CombinedChannelDuplexHandler<NodeCodec.Answers, NodeCodec.Requests> {

    NodeCodec(HttpDecoderConfig config) {
        Answers answers = new Answers(config);
        init(answers, new Requests(answers));
    }

    /** Whether every answer so far ended where the node's bytes ended: the connection may carry another request. */
    boolean reusable() {
        return !inboundHandler().beyond;
    }

    /** An upgrade's 101 arrived: requests pass through as bytes from now on (the codec leaves once the client side has switched). */
    void prepareUpgrade() {
        outboundHandler().upgraded = true;
    }

    static final class Answers extends HttpResponseDecoder {

        /** A request was sent whose answer has not ended. */
        private boolean awaiting;
        private boolean headRequest;
        /** The head decoded last is an interim (1xx) one: the answer continues after its end. */
        private boolean interim;
        /** A 101 arrived: what follows is not HTTP, and Netty's decoder passes it on. */
        private boolean switched;
        /** The node sent bytes beyond an answer. */
        boolean beyond;

        Answers(HttpDecoderConfig config) {
            super(config);
        }

        void expect(HttpMethod method) {
            awaiting = true;
            headRequest = HttpMethod.HEAD.equals(method);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (!awaiting && !switched) {
                // Nothing was asked: whatever these bytes are, they are no answer of ours.
                buffer.skipBytes(buffer.readableBytes());
                if (!beyond) {
                    beyond = true;
                    Balancer.LOG.debug("Balancer: a node sent bytes beyond its answer on {}; connection closed", ctx.channel());
                }
                ctx.close();
                return;
            }
            int from = out.size();
            super.decode(ctx, buffer, out);
            for (int i = from, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpResponse) {
                    int code = ((HttpResponse) o).status().code();
                    interim = code >= 100 && code < 200;
                    switched |= code == 101;
                }
                if (o instanceof LastHttpContent && !interim && !switched) {
                    // What the buffer still holds is decoded next, with no request waiting for it.
                    awaiting = false;
                }
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            int code = ((HttpResponse) msg).status().code();
            if (headRequest && code >= 200) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }

    static final class Requests extends HttpRequestEncoder {

        private final Answers answers;
        private boolean upgraded;

        Requests(Answers answers) {
            this.answers = answers;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (upgraded) {
                ctx.write(msg, promise);
                return;
            }
            if (msg instanceof HttpRequest) {
                answers.expect(((HttpRequest) msg).method());
            }
            super.write(ctx, msg, promise);
        }
    }
}
