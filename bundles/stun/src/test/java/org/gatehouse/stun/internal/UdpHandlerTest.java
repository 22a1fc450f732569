package org.gatehouse.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.List;
import org.gatehouse.core.CapturedLog;
import org.junit.jupiter.api.Test;

/** A fault in handling a datagram is said (it was logged at DEBUG only, invisible), once a minute; a failed send is not. */
class UdpHandlerTest {

    @Test
    void aFaultInHandlingADatagramIsWarnedOnceAMinute() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new UdpHandler(new Dispatcher(new Statistics(), new MalformedLog())));
        try (CapturedLog log = new CapturedLog()) {
            ch.pipeline().fireExceptionCaught(new IOException("Network is unreachable"));
            ch.pipeline().fireExceptionCaught(new IllegalStateException("a bug behind the dispatcher"));
            ch.pipeline().fireExceptionCaught(new IllegalStateException("a bug behind the dispatcher"));
            List<String> warnings = log.lines("WARN");
            assertEquals(1, warnings.size(), log.lines().toString());
            assertTrue(warnings.get(0).contains("handling a datagram failed: java.lang.IllegalStateException: a bug behind the dispatcher"),
                    warnings.get(0));
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
