package org.gatehouse.tls.internal;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * The front's answer encoder, which knows when the answer is to a HEAD: its head is written and
 * whatever body a route or filter gives it is not (a page, a 401's text), for a body after the head
 * would be read by the client as the start of the next answer on the connection. Netty's plain
 * encoder cannot know the method; its server codec tracks it, but the front reads requests itself.
 */
final class ResponseEncoder extends HttpResponseEncoder {

    /** Set by the front, on the connection's event loop, before each answer's head is written. */
    private boolean toHead;

    void answering(boolean headRequest) {
        toHead = headRequest;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return toHead || super.isContentAlwaysEmpty(msg);
    }
}
