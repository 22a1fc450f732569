package org.gatehouse.tls.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the response heads one listener writes, by status code. It sits in the pipeline in front of
 * the response encoder, so it sees every answer — a route's, a filter's, an error page, a redirect —
 * without the front handler knowing; after a 101 it leaves the pipeline to the upgraded relay.
 */
@ChannelHandler.Sharable
final class ResponseCounter extends ChannelOutboundHandlerAdapter {

    /** Per code a LongAdder: every I/O thread counting its 200s on one shared AtomicLong bounced its cache line. */
    private final LongAdder[] byCode = new LongAdder[600];

    ResponseCounter() {
        for (int i = 100; i < 600; i++) {
            byCode[i] = new LongAdder();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        int code = msg instanceof HttpResponse ? ((HttpResponse) msg).status().code() : -1;
        if (code >= 100 && code < 600) {
            byCode[code].increment();
        }
        ctx.write(msg, promise);
        if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            ctx.pipeline().remove(this);
        }
    }

    SortedMap<Integer, Long> counts() {
        SortedMap<Integer, Long> out = new TreeMap<>();
        for (int i = 100; i < 600; i++) {
            long n = byCode[i].sum();
            if (n != 0) {
                out.put(i, n);
            }
        }
        return out;
    }
}
