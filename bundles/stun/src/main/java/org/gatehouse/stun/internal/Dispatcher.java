package org.gatehouse.stun.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.gatehouse.stun.StunConnection;
import org.gatehouse.stun.TurnHandler;
import org.gatehouse.stun.message.Attribute;
import org.gatehouse.stun.message.ChannelData;
import org.gatehouse.stun.message.ErrorCode;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.gatehouse.stun.message.ParseResult;
import org.gatehouse.stun.message.StunMessage;
import org.gatehouse.stun.message.StunWriter;

/**
 * What happens to every packet on every STUN listener: Binding is answered here, TURN's methods
 * and ChannelData go to the TURN handler (one volatile read per packet), any other request gets 400
 * and any other indication is dropped. Malformed input is dropped, counted and logged per source at
 * most once per interval; nothing malformed is ever answered.
 */
final class Dispatcher {

    private static final int BINDING_SUCCESS = MessageClass.type(Method.BINDING, MessageClass.SUCCESS_RESPONSE);
    /** CHANGE-REQUEST flags (RFC 5780 section 7.2). */
    private static final int CHANGE_IP = 0x04;
    private static final int CHANGE_PORT = 0x02;

    /** Where behaviour discovery (RFC 5780) is off, its comprehension-required attributes are unknown. */
    private static final IntPredicate UNDERSTOOD_WITHOUT_DISCOVERY = t -> Attribute.isKnown(t)
            && t != Attribute.CHANGE_REQUEST && t != Attribute.RESPONSE_PORT && t != Attribute.PADDING;
    private static final IntPredicate UNDERSTOOD_WITH_DISCOVERY = Attribute::isKnown;

    /** Parser and writer per I/O thread: nothing is allocated per packet but the answer's buffer. */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    /**
     * Drops this thread's parser and writer: called on each I/O thread as the component stops, so that
     * the threads (core's, which outlive this bundle) hold nothing of an old revision after an update.
     */
    static void forgetOnThisThread() {
        SCRATCH.remove();
    }

    /** For tests: whether this thread holds a parser and writer. */
    static boolean heldOnThisThread() {
        return SCRATCH.isSet();
    }

    private static final class Scratch {
        final StunMessage message = new StunMessage();
        final StunWriter writer = new StunWriter();
        final int[] unknown = new int[16];
    }

    private final Statistics statistics;
    private final MalformedLog malformedLog;
    private volatile TurnHandler turn;
    private volatile byte[] software;

    Dispatcher(Statistics statistics, MalformedLog malformedLog) {
        this.statistics = statistics;
        this.malformedLog = malformedLog;
    }

    synchronized void turn(TurnHandler handler) {
        this.turn = handler;
    }

    /** Clears the handler only if it is still {@code handler}: DS binds a replacement before unbinding. */
    boolean clearTurn(TurnHandler handler) {
        synchronized (this) {
            if (turn != handler) {
                return false;
            }
            turn = null;
            return true;
        }
    }

    /** Whether the TURN handler (if any) holds an allocation made through this stream connection. */
    boolean holdsAllocation(StunConnection connection) {
        TurnHandler handler = turn;
        return handler != null && handler.holdsAllocation(connection);
    }

    void software(byte[] value) {
        this.software = value;
    }

    /** {@code in}: exactly one datagram or one stream frame at its reader index; the caller releases it. */
    void handle(ByteBuf in, StunConnection connection, InetSocketAddress client) {
        if (in.readableBytes() < ChannelData.HEADER_LENGTH) {
            int size = in.readableBytes();
            malformed(connection, client, () -> size + " bytes, shorter than any STUN message or ChannelData frame");
            return;
        }
        int firstBits = in.getByte(in.readerIndex()) & 0xC0;
        if (firstBits == 0x40) {
            channelData(in, connection, client);
            return;
        }
        if (firstBits != 0) {
            byte first = in.getByte(in.readerIndex());
            malformed(connection, client, () -> String.format("not STUN (first byte 0x%02x)", first));
            return;
        }
        Scratch scratch = SCRATCH.get();
        StunMessage message = scratch.message;
        ParseResult result = message.parse(in);
        if (result != ParseResult.OK) {
            int size = in.readableBytes();
            malformed(connection, client, () -> describe(result, size));
            return;
        }
        int messageClass = message.messageClass();
        if (message.method() == Method.BINDING) {
            if (messageClass == MessageClass.REQUEST) {
                binding(scratch, message, connection, client);
            } else if (messageClass == MessageClass.INDICATION) {
                statistics.indications.increment();
            } else {
                statistics.unhandled.increment();
            }
            return;
        }
        TurnHandler handler = turn;
        if (handler != null && isTurn(message.method(), messageClass)) {
            statistics.turnMessages.increment();
            handler.onMessage(message, connection, client);
        } else if (messageClass == MessageClass.REQUEST) {
            // A method nobody here serves (unassigned, RFC 6062's, or TURN's without the TURN bundle).
            // RFC 8489 section 6.3 has an agent silently discard a message whose method it does not
            // support, and section 6.3.1 names no error code for it; like coturn, a request gets 400
            // (Bad Request) instead, so the client learns at once rather than retransmitting for 39.5 s.
            // It never reaches TURN, which would ask for credentials (401 with REALM and NONCE) for a
            // method it cannot serve.
            error(scratch, message, connection, client, ErrorCode.BAD_REQUEST, 0);
        } else {
            statistics.unhandled.increment();
        }
    }

    /** The methods the TURN handler serves (RFC 8656): four requests, and Send from the client. */
    private static boolean isTurn(int method, int messageClass) {
        if (messageClass == MessageClass.REQUEST) {
            return method == Method.ALLOCATE || method == Method.REFRESH || method == Method.CREATE_PERMISSION
                    || method == Method.CHANNEL_BIND;
        }
        return messageClass == MessageClass.INDICATION && method == Method.SEND;
    }

    private void binding(Scratch scratch, StunMessage request, StunConnection connection, InetSocketAddress client) {
        Discovery discovery = connection instanceof UdpHandler ? ((UdpHandler) connection).discovery() : null;
        int unknown = request.unknownComprehensionRequired(scratch.unknown,
                discovery == null ? UNDERSTOOD_WITHOUT_DISCOVERY : UNDERSTOOD_WITH_DISCOVERY);
        if (unknown > 0) {
            error(scratch, request, connection, client, ErrorCode.UNKNOWN_ATTRIBUTE, unknown);
            return;
        }
        StunConnection from = connection;
        InetSocketAddress to = client;
        if (discovery != null) {
            UdpHandler here = (UdpHandler) connection;
            int change = request.find(Attribute.CHANGE_REQUEST);
            int responsePort = request.find(Attribute.RESPONSE_PORT);
            // RESPONSE-PORT is 2 bytes of port and 2 of padding (RFC 5780 section 7.5; some clients
            // leave the padding out of the length); with PADDING it is a 400 (RFC 5780 section 6.1).
            // Port 0 cannot be sent to: the answer would vanish without a word (a client that writes
            // the port as a 32-bit number sends it so), so it gets 400 like a wrong length.
            int responsePortLength = responsePort < 0 ? 0 : request.valueLength(responsePort);
            if ((change >= 0 && request.valueLength(change) != 4)
                    || (responsePort >= 0 && responsePortLength != 2 && responsePortLength != 4)
                    || (responsePort >= 0 && request.uint16(responsePort) == 0)
                    || (responsePort >= 0 && request.has(Attribute.PADDING))) {
                error(scratch, request, connection, client, ErrorCode.BAD_REQUEST, 0);
                return;
            }
            int flags = change < 0 ? 0 : request.uint32(change);
            int ip = here.discoveryIp() ^ ((flags & CHANGE_IP) != 0 ? 1 : 0);
            int port = here.discoveryPort() ^ ((flags & CHANGE_PORT) != 0 ? 1 : 0);
            if (ip != here.discoveryIp() || port != here.discoveryPort()) {
                from = discovery.socket(ip, port);
            }
            if (responsePort >= 0) {
                to = new InetSocketAddress(client.getAddress(), request.uint16(responsePort));
            }
        }
        ByteBuf out = from.alloc().ioBuffer(discovery == null ? 96 : 128 + request.size());
        StunWriter w = scratch.writer.start(out, BINDING_SUCCESS, request);
        w.address(request.hasMagicCookie() ? Attribute.XOR_MAPPED_ADDRESS : Attribute.MAPPED_ADDRESS, client);
        if (discovery != null) {
            UdpHandler here = (UdpHandler) connection;
            w.address(Attribute.RESPONSE_ORIGIN, from.localAddress());
            w.address(Attribute.OTHER_ADDRESS, discovery.address(1 - here.discoveryIp(), 1 - here.discoveryPort()));
            int padding = request.find(Attribute.PADDING);
            if (padding >= 0) {
                // Echoed for the client's fragmentation test; never more than the request itself carried.
                w.zeros(Attribute.PADDING, request.valueLength(padding));
            }
        }
        byte[] sw = software;
        if (sw != null) {
            w.bytes(Attribute.SOFTWARE, sw);
        }
        if (request.hasFingerprint()) {
            w.fingerprint();
        }
        statistics.bindingRequests.increment();
        from.send(out, to);
        if (from != connection) {
            // Another socket, possibly on another I/O thread: its read batch will not flush this.
            from.flush();
        }
    }

    private void error(Scratch scratch, StunMessage request, StunConnection connection, InetSocketAddress client,
            int code, int unknownCount) {
        ByteBuf out = connection.alloc().ioBuffer(96);
        StunWriter w = scratch.writer.start(out, MessageClass.type(request.method(), MessageClass.ERROR_RESPONSE), request);
        w.errorCode(code);
        if (unknownCount > 0) {
            w.unknownAttributes(scratch.unknown, unknownCount);
        }
        byte[] sw = software;
        if (sw != null) {
            w.bytes(Attribute.SOFTWARE, sw);
        }
        if (request.hasFingerprint()) {
            w.fingerprint();
        }
        if (request.method() == Method.BINDING) {
            statistics.bindingRequests.increment();
        }
        statistics.errorResponses.increment();
        connection.send(out, client);
    }

    private void channelData(ByteBuf in, StunConnection connection, InetSocketAddress client) {
        if (!ChannelData.isWellFormed(in)) {
            int channel = ChannelData.channel(in);
            int length = ChannelData.dataLength(in);
            int size = in.readableBytes();
            malformed(connection, client, () -> String.format("ChannelData frame with channel 0x%04x and length %d in %d bytes",
                    channel, length, size));
            return;
        }
        TurnHandler handler = turn;
        if (handler == null) {
            statistics.unhandled.increment();
            return;
        }
        statistics.channelData.increment();
        handler.onChannelData(in, connection, client);
    }

    /** A stream connection or a UDP listener socket closed: the TURN handler ends what it allocated through it. */
    void closed(StunConnection connection) {
        TurnHandler handler = turn;
        if (handler != null) {
            handler.onClosed(connection);
        }
    }

    void malformed(StunConnection connection, InetSocketAddress client, Supplier<String> reason) {
        statistics.malformed.increment();
        malformedLog.report(connection, client, reason);
    }

    void answerDropped() {
        statistics.answersDropped.increment();
    }

    private static String describe(ParseResult result, int size) {
        switch (result) {
            case TRUNCATED: return "truncated STUN message (" + size + " bytes)";
            case BAD_LENGTH: return "STUN length field does not match the packet (" + size + " bytes)";
            case ATTRIBUTE_OVERRUN: return "STUN attribute runs past the end of the message";
            case TOO_MANY_ATTRIBUTES: return "more than " + StunMessage.MAX_ATTRIBUTES + " STUN attributes";
            case BAD_FINGERPRINT: return "FINGERPRINT does not match";
            case BAD_INTEGRITY_ATTRIBUTE: return "MESSAGE-INTEGRITY attribute of the wrong size";
            default: return result.name();
        }
    }
}
