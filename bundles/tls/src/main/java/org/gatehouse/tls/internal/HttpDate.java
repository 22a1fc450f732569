package org.gatehouse.tls.internal;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.gatehouse.tls.http.HttpDates;

/**
 * The Date header value, formatted once a second rather than for every response, and kept encoded
 * (the response encoder copies its bytes as they are).
 */
final class HttpDate {

    private record Stamp(long second, AsciiString text) {
    }

    private static volatile Stamp last = new Stamp(-1, AsciiString.EMPTY_STRING);

    private HttpDate() {
    }

    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp s = last;
        if (s.second() != second) {
            s = new Stamp(second, new AsciiString(HttpDates.IMF_FIXDATE.format(
                    ZonedDateTime.ofInstant(Instant.ofEpochSecond(second), ZoneOffset.UTC)).getBytes(StandardCharsets.US_ASCII), false));
            last = s;
        }
        return s.text();
    }
}
