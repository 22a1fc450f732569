package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * TURN while {@code etc/org.gatehouse.turn.cfg} was refused at start: no configuration is in force,
 * so nothing is relayed (the built-in defaults would relay with another realm, no conferencing nodes
 * allowed and the wrong addresses). Allocate gets 508 Insufficient Capacity, which RFC 8656 7.4 lets
 * a client answer by trying another server or again a little later, both right until the operator
 * fixes the file; 500 would invite an immediate retry of a fault that is not transient. There is no
 * allocation, so Refresh, CreatePermission and ChannelBind get 437; anything else 400, indications and
 * ChannelData are dropped. Nothing is authenticated (no realm is in force), so the answers go unsigned,
 * rate-limited per source address as 401s are.
 */
final class NoRelay implements TurnHandler {

    static final String REASON = "Insufficient Capacity: TURN is off until the server's configuration is fixed";

    private final UnauthenticatedLimiter limiter = new UnauthenticatedLimiter(TurnSettings.DEFAULT_UNAUTHENTICATED_RATE);
    final LongAdder answers = new LongAdder();

    @Override
    public void onMessage(StunMessage m, StunConnection connection, InetSocketAddress client) {
        if (!m.hasMagicCookie() || m.messageClass() != MessageClass.REQUEST || !limiter.tryAcquire(client.getAddress())) {
            return;
        }
        ByteBuf out = connection.alloc().ioBuffer(160);
        StunWriter w;
        switch (m.method()) {
            case Method.ALLOCATE:
                w = Answers.error(out, m, ErrorCode.INSUFFICIENT_CAPACITY, REASON);
                break;
            case Method.REFRESH:
            case Method.CREATE_PERMISSION:
            case Method.CHANNEL_BIND:
                w = Answers.error(out, m, ErrorCode.ALLOCATION_MISMATCH);
                break;
            default:
                w = Answers.error(out, m, ErrorCode.BAD_REQUEST);
        }
        Answers.finish(w, m, null);
        answers.increment();
        connection.send(out, client);
    }

    @Override
    public void onChannelData(ByteBuf frame, StunConnection connection, InetSocketAddress client) {
        // No allocation, no channel: dropped.
    }
}
