package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import org.gatehouse.stun.message.MessageClass;
import org.gatehouse.stun.message.Method;
import org.junit.jupiter.api.Test;

/** What a TCP connection that cannot be written drops: relayed media, never an answer. */
class TcpHandlerTest {

    private static boolean media(int firstTwoBytes) {
        return TcpHandler.isRelayedMedia(Unpooled.wrappedBuffer(new byte[] {(byte) (firstTwoBytes >> 8), (byte) firstTwoBytes, 0, 0}));
    }

    @Test
    void channelDataAndDataIndicationsAreMediaAnswersAreNot() {
        assertTrue(media(0x4000), "ChannelData 0x4000");
        assertTrue(media(0x7FFF), "ChannelData 0x7FFF");
        assertTrue(media(MessageClass.type(Method.DATA, MessageClass.INDICATION)), "Data indication");
        assertFalse(media(MessageClass.type(Method.REFRESH, MessageClass.SUCCESS_RESPONSE)), "Refresh success");
        assertFalse(media(MessageClass.type(Method.CREATE_PERMISSION, MessageClass.ERROR_RESPONSE)), "CreatePermission error");
        assertFalse(media(MessageClass.type(Method.BINDING, MessageClass.SUCCESS_RESPONSE)), "Binding success");
        assertFalse(media(MessageClass.type(Method.DATA, MessageClass.ERROR_RESPONSE)), "not an indication");
    }
}
