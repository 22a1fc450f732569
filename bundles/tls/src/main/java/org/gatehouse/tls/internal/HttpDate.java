package org.gatehouse.tls.internal;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Date header value, formatted once a second rather than for every response, and kept encoded
 * (the response encoder copies its bytes as they are).
 */
final class HttpDate {

    private record Stamp(long second, AsciiString text) {
    }

    /**
     * RFC 9110's IMF-fixdate: a two-digit day ({@code RFC_1123_DATE_TIME} writes days 1-9 with one
     * digit, which strict parsers refuse).
     */
    static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private static volatile Stamp last = new Stamp(-1, AsciiString.EMPTY_STRING);

    private HttpDate() {
    }

    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp s = last;
        if (s.second() != second) {
            s = new Stamp(second, new AsciiString(IMF_FIXDATE.format(
                    ZonedDateTime.ofInstant(Instant.ofEpochSecond(second), ZoneOffset.UTC)).getBytes(StandardCharsets.US_ASCII), false));
            last = s;
        }
        return s.text();
    }
}
