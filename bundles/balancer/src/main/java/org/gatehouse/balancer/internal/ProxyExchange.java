package org.gatehouse.balancer.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.gatehouse.tls.http.HttpExchange;

/**
 * One client request carried to a node and its answer carried back, on the client connection's
 * event loop. The request body streams to the node as it arrives (the client is paused while the node
 * connection is full, and while no node is connected yet); the answer streams to the client (the node
 * is paused while the client is slow). A node that cannot be reached, or closes without answering, is
 * counted as failed and the request goes to the next node, but only while no byte of the request body
 * has reached a node and the request is idempotent or was not sent.
 */
final class ProxyExchange implements Consumer<HttpContent> {

    /** The 503 page's words for a pool without nodes (and the default pool's routes without a pool). */
    static final String NO_NODE_CONFIGURED = "No conferencing node is configured for this service yet.";
    /*
     * The 502 and 504 pages go to anyone on the Internet: they say what kind of failure it was, never
     * which node, its address or why (a certificate's subject, a configuration key). The operator
     * finds that in proxy:nodes (each node's last failure) and in the log.
     */
    static final String UNREACHABLE = "The conferencing node could not be reached.";
    static final String NO_VALID_ANSWER = "The conferencing node gave no valid answer.";
    static final String TOO_SLOW = "The conferencing node did not answer in time.";
    static final String NONE_AVAILABLE = "No conferencing node is available: every node is down or draining.";

    /** How often a request waiting for a node name's first lookup checks again. */
    static final long LOOKUP_POLL_MILLIS = 20;

    private final ProxyRoute route;
    private final Pool pool;
    private final PoolSettings settings;
    private final HttpExchange x;
    private final HttpRequest request;
    private final boolean idempotent;
    private final boolean head;
    private final boolean upgradeRequest;
    /** No body follows the head: the front's next message for this request is its (empty) end. */
    private final boolean bodyless;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
    private final Set<Node> tried = new HashSet<>(4);
    private ClientLink link;
    /** When it began to wait for a node name's first lookup ({@link #awaitLookup}); 0: it has not. */
    private long waitingSince;

    private boolean clientBodyDone;
    private boolean bodyReachedNode;
    private boolean requestSent;
    private Node node;
    private Channel upstream;
    private UpstreamHandler handler;
    /** The node connection was a kept-alive one, taken from the pool for this request. */
    private boolean reused;
    private long sentAt;
    private long lastRead;
    /** Something came from the node for this request. */
    private boolean nodeSpoke;
    private boolean headForwarded;
    private HttpResponse headHeld;
    private boolean skipInformational;
    private boolean stream;
    private boolean relaying;
    /** Upgraded: the client is paused until the node takes what it was sent (send-timeout watches). */
    private boolean clientWaits;
    /** {@link #leftForNode} when the current send-timeout period began. */
    private long nodeLeft;
    private boolean finished;
    private boolean nodeKeepsAlive;
    /** What the client's 502/504 page says of the last failure (its detail is the node's, in proxy:nodes and the log). */
    private String lastFailure = UNREACHABLE;
    private HttpResponseStatus lastStatus = HttpResponseStatus.BAD_GATEWAY;

    ProxyExchange(ProxyRoute route, Pool pool, HttpExchange x) {
        this.route = route;
        this.pool = pool;
        this.settings = pool.settings();
        this.x = x;
        this.request = x.request();
        HttpMethod m = request.method();
        this.head = m.equals(HttpMethod.HEAD);
        this.idempotent = head || m.equals(HttpMethod.GET) || m.equals(HttpMethod.OPTIONS) || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.TRACE);
        this.bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        this.upgradeRequest = m.equals(HttpMethod.GET) && request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true) && webSocketOnly(request);
    }

    /**
     * WebSocket only: an upgrade to anything else (h2c above all) would hand the client a raw connection
     * to the node on which later requests pass no filter, ban or route of the front. Asked only of a
     * request that asks to upgrade, so that other requests allocate nothing here.
     */
    private static boolean webSocketOnly(HttpRequest request) {
        List<String> upgrades = request.headers().getAll(HttpHeaderNames.UPGRADE);
        return upgrades.size() == 1 && HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(upgrades.get(0).strip());
    }

    void start() {
        x.onBody(this);
        link = ClientLink.of(x, this);
        if (link.closed()) {
            clientGone();
            return;
        }
        // The node is not asked: the client may send its body at once, and we stream it.
        x.sendContinue();
        next();
    }

    private void next() {
        Node n = pool.choose(x.client().getAddress(), tried);
        if (n == null) {
            if (pool.isEmpty()) {
                answer(HttpResponseStatus.SERVICE_UNAVAILABLE, NO_NODE_CONFIGURED);
            } else if (tried.isEmpty() && awaitLookup()) {
                return;
            } else if (tried.isEmpty()) {
                answer(HttpResponseStatus.BAD_GATEWAY, NONE_AVAILABLE);
            } else {
                answer(lastStatus, lastFailure);
            }
            return;
        }
        node = n;
        tried.add(n);
        n.started();
        Channel c = n.takeIdle(x.eventLoop(), pool.tls());
        reused = c != null;
        if (c != null) {
            attach(c);
        } else {
            connect(n);
        }
    }

    /**
     * No node is available, but a node's name is being looked up for the first time (the pool was
     * configured or the node added moments ago): the request waits for it, checking again every
     * {@link #LOOKUP_POLL_MILLIS} ms, up to connect-timeout from its arrival, as it would wait for a
     * node to accept its connection; it gets a 502 only when no node is available after that. Returns
     * whether it waits.
     */
    private boolean awaitLookup() {
        long now = System.nanoTime();
        if (waitingSince == 0) {
            waitingSince = now;
        }
        if (now - waitingSince >= TimeUnit.SECONDS.toNanos(settings.connectTimeout()) || !pool.firstLookupPending()) {
            return false;
        }
        x.eventLoop().schedule(() -> {
            if (!finished) {
                next();
            }
        }, LOOKUP_POLL_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    private void connect(Node n) {
        Node target = n;
        route.connect(n, pool.tls(), settings.connectTimeout(), x.eventLoop()).addListener((ChannelFutureListener) f -> {
            if (finished || node != target) {
                if (f.isSuccess()) {
                    f.channel().close();
                }
                return;
            }
            if (f.isSuccess()) {
                attach(f.channel());
            } else {
                Throwable cause = f.cause();
                lastFailure = UNREACHABLE;
                target.failed("connect: " + (cause == null ? "failed" : cause.getMessage()), settings.passiveMaxFails(), settings.failTimeout());
                target.ended();
                node = null;
                next();
            }
        });
    }

    private void attach(Channel c) {
        upstream = c;
        nodeSpoke = false;
        handler = c.pipeline().get(UpstreamHandler.class);
        handler.attach(this);
        c.config().setAutoRead(true);
        c.write(Headers.toNode(request, x, link, node, settings, upgradeRequest));
        requestSent = true;
        if (clientBodyDone && pending.isEmpty()) {
            // Sent to a node that failed before answering: a request without body goes again whole.
            c.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        HttpContent part;
        while ((part = pending.poll()) != null) {
            writeBody(part);
        }
        if (clientBodyDone || !bodyless) {
            // A request without body is flushed by its end, which the front hands over next
            // (accept): one flush down the node connection's pipeline instead of two.
            c.flush();
        }
        sentAt = System.nanoTime();
        arm(settings.firstByteTimeout());
        if (!clientBodyDone) {
            if (c.isWritable()) {
                x.resumeBody();
            } else {
                x.pauseBody();
            }
        }
    }

    // ---- client to node

    @Override
    public void accept(HttpContent part) {
        if (finished) {
            part.release();
            return;
        }
        if (part instanceof LastHttpContent) {
            clientBodyDone = true;
        }
        if (upstream == null) {
            pending.add(part);
            if (!clientBodyDone) {
                x.pauseBody();
            }
            return;
        }
        writeBody(part);
        upstream.flush();
        if (!headForwarded && !bodyless) {
            // The node's time to answer counts from the last part of the request it was given: an
            // upload that keeps moving is never cut off by first-byte-timeout, however long it takes.
            // A request without body needs no second timer: its end follows the head at once.
            arm(settings.firstByteTimeout());
        }
        if (!clientBodyDone && !upstream.isWritable()) {
            x.pauseBody();
        }
    }

    private void writeBody(HttpContent part) {
        if (part.content().isReadable()) {
            bodyReachedNode = true;
        }
        upstream.write(part);
    }

    void nodeWritabilityChanged(boolean writable) {
        if (writable && !clientBodyDone && !finished) {
            x.resumeBody();
            if (!headForwarded) {
                // The node took what was queued for it: its time to answer, or the client's to send
                // more, counts from now, not from before the node connection was full.
                arm(settings.firstByteTimeout());
            }
        }
    }

    // ---- node to client

    void fromNode(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastRead = System.nanoTime();
        nodeSpoke = true;
        if (relaying) {
            if (!(msg instanceof ByteBuf)) {
                // The end of the 101's empty body, decoded with it before the codec left.
                ReferenceCountUtil.release(msg);
                return;
            }
            ChannelFuture f = x.channel().writeAndFlush(msg);
            pauseNodeWhileClientSlow(f);
            return;
        }
        if (msg instanceof HttpResponse) {
            response((HttpResponse) msg);
        }
        if (msg instanceof HttpContent) {
            content((HttpContent) msg);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void response(HttpResponse r) {
        if (r.decoderResult().isFailure()) {
            // The node did answer: like nginx, an invalid answer is not retried elsewhere.
            garbage = true;
            broken("answered with something that is not HTTP (" + r.decoderResult().cause().getMessage() + ")");
            return;
        }
        int code = r.status().code();
        if (code == 101 && upgradeRequest) {
            upgrade(r);
            return;
        }
        if (code >= 100 && code < 200) {
            // 100 Continue and other interim answers: the client already got its 100, nothing else to pass on.
            skipInformational = true;
            return;
        }
        boolean keepsAlive = HttpUtil.isKeepAlive(r);
        HttpResponse out = Headers.toClient(r, head, request.protocolVersion());
        if (out == null) {
            garbage = true;
            broken("answered with an invalid header field");
            return;
        }
        node.succeeded(System.nanoTime() - sentAt);
        headForwarded = true;
        nodeKeepsAlive = keepsAlive;
        x.upstream(node.address());
        String type = out.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
            stream = true;
            node.streamOpened();
        }
        // Held until the body's first part or the end of this read from the node: an answer read
        // whole goes to the client as one message (x.respond), the usual case for small answers.
        headHeld = out;
        arm(readLimit());
    }

    /** Seconds of silence from the node that end the answer under way: stream-read-timeout for an event stream, else read-timeout. */
    private int readLimit() {
        return stream ? settings.streamReadTimeout() : settings.readTimeout();
    }

    /**
     * The head held back by {@link #response}, now sent on its own; false when the front has answered
     * this request itself meanwhile (its body refused as it arrived): the exchange is then over, the
     * node not at fault.
     */
    private boolean sendHead() {
        HttpResponse h = headHeld;
        if (h != null) {
            headHeld = null;
            if (answeredByFront()) {
                return false;
            }
            headSent = true;
            x.head(h);
        }
        return true;
    }

    /**
     * The front answered this request before the node's answer could be passed on (a body larger than
     * max-body, a malformed chunk); the connection closes once that answer has left. Until then the
     * node's answer has nowhere to go: the exchange ends here, without a failure of the node.
     */
    private boolean answeredByFront() {
        if (headSent || !x.responseStarted()) {
            return false;
        }
        clientGone();
        return true;
    }

    /** The node's read has ended: a head still held goes to the client (an event stream's, say). */
    void nodeReadComplete() {
        if (!finished && !relaying) {
            sendHead();
        }
    }

    private void content(HttpContent c) {
        if (skipInformational) {
            if (c instanceof LastHttpContent) {
                skipInformational = false;
            }
            c.release();
            return;
        }
        if (!headForwarded) {
            c.release();
            return;
        }
        if (c.decoderResult().isFailure()) {
            c.release();
            broken("sent a broken answer body (" + c.decoderResult().cause().getMessage() + ")");
            return;
        }
        if (c instanceof LastHttpContent) {
            HttpResponse h = headHeld;
            headHeld = null;
            if (h != null && answeredByFront()) {
                c.release();
                return;
            }
            // Book-keeping first: ending the answer may close the client connection or start its next request.
            finish(true);
            if (h != null) {
                headSent = true;
                x.respond(h, (LastHttpContent) c);
            } else {
                x.end((LastHttpContent) c);
            }
            return;
        }
        if (!c.content().isReadable()) {
            c.release();
            return;
        }
        if (!sendHead()) {
            c.release();
            return;
        }
        pauseNodeWhileClientSlow(x.write(c));
    }

    private void pauseNodeWhileClientSlow(ChannelFuture written) {
        if (!x.channel().isWritable() && upstream != null) {
            Channel up = upstream;
            up.config().setAutoRead(false);
            written.addListener(f -> {
                if (!finished && up == upstream) {
                    // The pause was ours (the client reads slowly): read-timeout counts from here.
                    lastRead = System.nanoTime();
                    up.config().setAutoRead(true);
                }
            });
        }
    }

    // ---- WebSocket and other upgrades

    private void upgrade(HttpResponse r) {
        String protocol = r.headers().get(HttpHeaderNames.UPGRADE);
        HttpResponse out = Headers.toClient(r, false, request.protocolVersion());
        if (out == null) {
            garbage = true;
            broken("answered with an invalid header field");
            return;
        }
        node.succeeded(System.nanoTime() - sentAt);
        headForwarded = true;
        relaying = true;
        stream = true;
        node.streamOpened();
        cancelTimer();
        x.upstream(node.address());
        out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        if (protocol != null) {
            out.headers().set(HttpHeaderNames.UPGRADE, protocol);
        }
        pending.forEach(HttpContent::release);
        pending.clear();
        link.release(this);
        Channel up = upstream;
        // The node's encoder passes bytes through from now on (a client's frame sent before it saw the
        // 101 goes to the node as it is); then the client's side switches (the 101 written, its HTTP
        // encoder gone); then the node's codec leaves, handing fromNode what the node sent after its
        // 101 in the same read (a first frame), which reaches the client after the 101.
        NodeCodec codec = up.pipeline().get(NodeCodec.class);
        codec.prepareUpgrade();
        x.upgrade(out, new Relay(up, this));
        up.pipeline().remove(codec);
    }

    /** The upgraded connection closed on either side: the other side closes too. */
    void relayClosed() {
        if (finished) {
            return;
        }
        finished = true;
        node.ended();
        node.streamClosed();
        if (upstream != null) {
            handler.detach();
            closeWhenSent(upstream);
        }
        closeWhenSent(x.channel());
    }

    /** How long a side of a closed relay may take to send what was written to it before its socket closes anyway. */
    static final int RELAY_CLOSE_SECONDS = 10;

    /**
     * Closes {@code ch} once what was written to it has gone out (the other side's last frames, its
     * WebSocket Close), or after {@link #RELAY_CLOSE_SECONDS} if it will not take them.
     */
    private static void closeWhenSent(Channel ch) {
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        try {
            io.netty.util.concurrent.ScheduledFuture<?> anyway = ch.eventLoop().schedule(() -> {
                ch.close();
            }, RELAY_CLOSE_SECONDS, TimeUnit.SECONDS);
            ch.closeFuture().addListener(f -> anyway.cancel(false));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            ch.close();
        }
    }

    // ---- failures and endings

    void nodeClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (relaying) {
            relayClosed();
            return;
        }
        broken(cause == null ? "closed the connection before the answer ended" : "failed: " + cause.getMessage());
    }

    /** The node failed this request: retried, answered with 502, or (answer under way) the client cut off. */
    private void broken(String why) {
        cancelTimer();
        if (answeredByFront()) {
            return;
        }
        Node n = node;
        if (reused && !nodeSpoke && !garbage) {
            // A kept-alive connection that ended before a byte of answer: most likely the node closed it
            // as idle just as it was reused. Not the node's failure (as nginx): the request goes again
            // on a new connection to the same node when it may, else 502.
            reused = false;
            dropUpstream();
            if (retryable()) {
                connect(n);
                return;
            }
            n.ended();
            Balancer.LOG.debug("Balancer: node {} {} on a kept-alive connection for {} {}", n.address(), why, request.method(), x.path());
            answer(HttpResponseStatus.BAD_GATEWAY, NO_VALID_ANSWER);
            return;
        }
        n.failed(why, settings.passiveMaxFails(), settings.failTimeout());
        dropUpstream();
        n.ended();
        if (headForwarded && headHeld != null) {
            // The head was held back (response) and broke in the same read: nothing reached the
            // client, which gets a 502 rather than a connection closed without a byte (a browser
            // sends a request again on that, a POST too).
            answer(HttpResponseStatus.BAD_GATEWAY, NO_VALID_ANSWER);
            return;
        }
        if (headForwarded) {
            Balancer.LOG.debug("Balancer: node {} {} for {} {}; client connection closed", n.address(), why, request.method(), x.path());
            end();
            x.channel().close();
            return;
        }
        lastFailure = NO_VALID_ANSWER;
        lastStatus = HttpResponseStatus.BAD_GATEWAY;
        if (retryable()) {
            node = null;
            next();
            return;
        }
        answer(HttpResponseStatus.BAD_GATEWAY, NO_VALID_ANSWER);
    }

    private boolean garbage;
    /** This exchange has started the client's answer (the node's head, or the node's whole answer). */
    private boolean headSent;

    private boolean retryable() {
        return !garbage && !bodyReachedNode && (idempotent || !requestSent);
    }

    /** The deadline {@link #arm} set on the node connection has passed (called by its handler). */
    void timedOut() {
        if (finished) {
            return;
        }
        if (relaying) {
            if (!clientWaits || upstream == null) {
                return;
            }
            if (leftForNode() < nodeLeft || !upstream.config().isAutoRead()) {
                // The node took some meanwhile; or Gatehouse stopped reading the node because the
                // client is slow to read, and the node stopped reading in turn: not the node's fault
                // (the front's send-timeout deals with a client that takes nothing).
                watchNode();
                return;
            }
            // An upgraded connection whose node took nothing of the client's bytes for send-timeout
            // seconds: the node has hung. Both sides close, so that the client can connect again.
            node.failed("took nothing of an upgraded connection for " + settings.sendTimeout() + " s (send-timeout)",
                    settings.passiveMaxFails(), settings.failTimeout());
            relayClosed();
            return;
        }
        if (answeredByFront()) {
            return;
        }
        if (headForwarded) {
            long now = System.nanoTime();
            long limit = TimeUnit.SECONDS.toNanos(readLimit());
            if (!upstream.config().isAutoRead()) {
                // Paused by us while the client is slow to read: not the node's silence.
                handler.watch(now + limit);
                return;
            }
            if (now - lastRead < limit) {
                handler.watch(lastRead + limit);
                return;
            }
            broken("sent nothing for " + readLimit() + " s (" + (stream ? "stream-read-timeout" : "read-timeout") + ")");
            return;
        }
        if (!clientBodyDone && upstream != null && upstream.isWritable()) {
            // The node takes the body as fast as it comes and the client has stopped sending it: the
            // client's stall, not the node's. No failure for the node; the client gets 408.
            Node n = node;
            dropUpstream();
            n.ended();
            end();
            // Connection: close, and closed once the answer is written (not before it has left).
            ByteBuf page = ByteBufUtil.writeUtf8(x.alloc(), page(HttpResponseStatus.REQUEST_TIMEOUT,
                    "The request body stopped arriving for " + settings.firstByteTimeout() + " s."));
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                    .set(HttpHeaderNames.CONTENT_LENGTH, page.readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            x.respond(head, new DefaultLastHttpContent(page)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Node n = node;
        String why = "did not answer within " + settings.firstByteTimeout() + " s";
        n.failed(why, settings.passiveMaxFails(), settings.failTimeout());
        dropUpstream();
        n.ended();
        lastFailure = TOO_SLOW;
        lastStatus = HttpResponseStatus.GATEWAY_TIMEOUT;
        if (retryable()) {
            node = null;
            next();
            return;
        }
        answer(HttpResponseStatus.GATEWAY_TIMEOUT, TOO_SLOW);
    }

    /** The node connection's deadline: {@code seconds} from now, or none for 0. */
    private void arm(int seconds) {
        if (seconds > 0) {
            handler.watch(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
        } else {
            cancelTimer();
        }
    }

    private void cancelTimer() {
        if (handler != null) {
            handler.unwatch();
        }
    }

    private void dropUpstream() {
        if (upstream != null) {
            handler.detach();
            upstream.close();
            upstream = null;
            handler = null;
        }
    }

    private void answer(HttpResponseStatus status, String text) {
        end();
        if (!x.isDone()) {
            x.respond(status, "text/html; charset=utf-8", page(status, text));
        }
    }

    static String page(HttpResponseStatus status, String text) {
        return "<!DOCTYPE html>\n<html><head><title>" + status.code() + " " + status.reasonPhrase() + "</title></head><body><h1>"
                + status.code() + " " + status.reasonPhrase() + "</h1><p>" + text + "</p></body></html>\n";
    }

    /** The answer has ended; the node connection is kept for the next request when both sides allow. */
    private void finish(boolean nodeAnswerComplete) {
        Channel up = upstream;
        UpstreamHandler h = handler;
        Node n = node;
        end();
        n.ended();
        upstream = null;
        handler = null;
        h.detach();
        boolean keep = nodeAnswerComplete && clientBodyDone && nodeKeepsAlive && up.isActive();
        up.config().setAutoRead(true);
        if (keep) {
            // Called in a read of the node's: kept once that read has ended (parkAfterRead).
            h.parkAfterRead(settings.keepalive(), settings.keepaliveTimeout());
        } else {
            up.close();
        }
    }

    private void end() {
        finished = true;
        headHeld = null;
        cancelTimer();
        link.release(this);
        pending.forEach(HttpContent::release);
        pending.clear();
        if (stream) {
            node.streamClosed();
            stream = false;
        }
    }

    /** The client connection closed during this exchange (called by its {@link ClientLink}). */
    void clientGone() {
        if (finished) {
            return;
        }
        Node n = node;
        end();
        dropUpstream();
        if (n != null) {
            n.ended();
        }
    }

    /** Client bytes of an upgraded connection to the node. */
    void toNode(ByteBuf bytes) {
        if (finished || upstream == null) {
            bytes.release();
            return;
        }
        ChannelFuture f = upstream.writeAndFlush(bytes);
        if (!upstream.isWritable()) {
            // The node takes the client's bytes more slowly than they come: the client waits, and a
            // node that takes none of them for send-timeout seconds has hung (timedOut).
            x.channel().config().setAutoRead(false);
            if (!clientWaits) {
                clientWaits = true;
                watchNode();
            }
            f.addListener(done -> {
                x.channel().config().setAutoRead(true);
                clientWaits = false;
                if (!finished) {
                    cancelTimer();
                }
            });
        }
    }

    /** A send-timeout period begins, from what the node still has to take of the client's bytes. */
    private void watchNode() {
        nodeLeft = leftForNode();
        arm(settings.sendTimeout());
    }

    /** Bytes of the client's still waiting for the node to take them. */
    private long leftForNode() {
        ChannelOutboundBuffer b = upstream.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes() - b.currentProgress();
    }
}
