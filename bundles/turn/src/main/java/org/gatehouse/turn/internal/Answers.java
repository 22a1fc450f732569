package org.gatehouse.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * Writing TURN answers and indications: one writer per I/O thread; answers to authenticated requests
 * carry the integrity attribute the request used, keyed with the request's key, and FINGERPRINT when
 * the request had one.
 */
final class Answers {

    private static final FastThreadLocal<StunWriter> WRITER = new FastThreadLocal<>() {
        @Override
        protected StunWriter initialValue() {
            return new StunWriter();
        }
    };

    private static final int DATA_INDICATION = MessageClass.type(Method.DATA, MessageClass.INDICATION);

    private Answers() {
    }

    /** Drops this thread's writer (the component stops: core's I/O threads outlive this bundle). */
    static void forgetOnThisThread() {
        WRITER.remove();
    }

    /** For tests: whether this thread holds a writer. */
    static boolean heldOnThisThread() {
        return WRITER.isSet();
    }

    static StunWriter success(ByteBuf out, StunMessage request) {
        return WRITER.get().start(out, MessageClass.type(request.method(), MessageClass.SUCCESS_RESPONSE), request);
    }

    static StunWriter error(ByteBuf out, StunMessage request, int code) {
        return WRITER.get().start(out, MessageClass.type(request.method(), MessageClass.ERROR_RESPONSE), request).errorCode(code);
    }

    /** An error answer with a reason phrase of its own, where the code alone would not say why. */
    static StunWriter error(ByteBuf out, StunMessage request, int code, String reason) {
        return WRITER.get().start(out, MessageClass.type(request.method(), MessageClass.ERROR_RESPONSE), request).errorCode(code, reason);
    }

    /** Integrity (when authenticated) and FINGERPRINT (when the request had one). */
    static void finish(StunWriter w, StunMessage request, Authenticator.Outcome auth) {
        if (auth != null && auth.ok()) {
            if (auth.sha256()) {
                w.integritySha256(auth.key());
            } else {
                w.integrity(auth.key());
            }
        }
        if (request.hasFingerprint()) {
            w.fingerprint();
        }
    }

    /** ADDRESS-ERROR-CODE (RFC 8656 section 14.12): the family, then an ERROR-CODE value. */
    static void addressError(StunWriter w, int family, int code) {
        byte[] reason = ErrorCode.reason(code).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[4 + reason.length];
        value[0] = (byte) family;
        value[2] = (byte) (code / 100);
        value[3] = (byte) (code % 100);
        System.arraycopy(reason, 0, value, 4, reason.length);
        w.bytes(Attribute.ADDRESS_ERROR_CODE, value);
    }

    /** A Data indication carrying {@code data} from {@code peer} (RFC 8656 section 11.4). */
    static ByteBuf dataIndication(StunConnection connection, InetSocketAddress peer, ByteBuf data) {
        int length = data.readableBytes();
        ByteBuf out = connection.alloc().ioBuffer(StunMessage.HEADER_LENGTH + 24 + 4 + length + 3);
        byte[] transaction = new byte[12];
        ThreadLocalRandom.current().nextBytes(transaction);
        WRITER.get().start(out, DATA_INDICATION, transaction)
                .address(Attribute.XOR_PEER_ADDRESS, peer)
                .bytes(Attribute.DATA, data, data.readerIndex(), length);
        return out;
    }
}
