package org.gatehouse.tls.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One request and its response on a client connection. Every method is called on {@link #eventLoop()}.
 * The request body, if any, arrives through {@link #onBody} as it is read (never buffered whole);
 * the response is either one {@link #respond} or a {@link #head}, any number of {@link #write}s and
 * an {@link #end}. The front adds the security headers, keeps or closes the connection, and writes
 * the access log line when the response ends.
 */
public interface HttpExchange {

    /** The request line and header fields (origin-form target). */
    HttpRequest request();

    /** The path of the request target, without the query. */
    String path();

    InetSocketAddress client();

    /** Whether the client came over TLS (always, on the HTTPS listener). */
    boolean secure();

    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** The client connection, for protocol upgrades (WebSocket); answers go through this exchange otherwise. */
    Channel channel();

    /**
     * Receives the request body as it arrives, each part to be released by the consumer, the last one
     * a {@link LastHttpContent}. Call it from {@link HttpRoute#handle} to get the whole body; without
     * it the body is read and dropped.
     */
    void onBody(Consumer<HttpContent> consumer);

    /**
     * Tells a client that waits for it (Expect: 100-continue) to send its body: 100 Continue, once.
     * Nothing for a request that does not wait, or once an answer has started.
     */
    void sendContinue();

    /** Stops reading the request body (the client is slowed by TCP) until {@link #resumeBody()}. */
    void pauseBody();

    void resumeBody();

    /** A complete short answer: the status, and a text or HTML page of the given content type. */
    void respond(HttpResponseStatus status, String contentType, String body);

    /** Starts a streamed response: the head (with Content-Length or Transfer-Encoding: chunked). */
    ChannelFuture head(HttpResponse response);

    ChannelFuture write(HttpContent content);

    /** Ends the response; the connection then serves the next request or closes. */
    ChannelFuture end(LastHttpContent last);

    /**
     * A whole response at once: {@code head} and its body, all in {@code last} (which may be empty),
     * as {@link #head} then {@link #end} would send them, but in one write and one flush.
     *
     * @since 1.3
     */
    default ChannelFuture respond(HttpResponse head, LastHttpContent last) {
        head(head);
        return end(last);
    }

    /**
     * Switches the connection to another protocol (a WebSocket): sends {@code switching} (a 101
     * answer), then takes the HTTP handlers out of the connection and puts {@code relay} in their
     * place, so every byte the client sends from then on reaches {@code relay} as a ByteBuf and
     * whatever is written to {@link #channel()} goes to the client unchanged. The exchange ends here
     * (logged as 101); the connection's timeouts no longer apply, and it closes when either side does.
     */
    ChannelFuture upgrade(HttpResponse switching, ChannelHandler relay);

    /**
     * Hands the request on when this route does not serve it after all (e.g. no such custom file): the
     * next route whose prefix matches — a shorter one, or the same one at a lower
     * {@code service.ranking} — gets it, and this call returns true. Returns false, doing nothing,
     * when no other route matches: the route answers itself. Only before the route answered or took
     * the body.
     */
    boolean pass();

    /** Whether the client is reading fast enough to take more now. */
    boolean isWritable();

    /** Names the node that served this request, for the access log. */
    void upstream(String address);

    /** Whether the response has ended (or the connection closed). */
    boolean isDone();

    /**
     * Whether an answer to this request has started: the route's own, or the front's when it refused
     * the request's body as it arrived (larger than max-body, malformed chunks). A route that has not
     * started one itself writes nothing more then: the connection closes once that answer has left.
     */
    boolean responseStarted();
}
