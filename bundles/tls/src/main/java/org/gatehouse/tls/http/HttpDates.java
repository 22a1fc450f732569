package org.gatehouse.tls.http;

import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * HTTP dates as answers carry them ({@code Date}, {@code Last-Modified}).
 *
 * @since 1.6
 */
public final class HttpDates {

    /**
     * RFC 9110's IMF-fixdate, {@code Mon, 05 Jan 2026 07:08:09 GMT}, for a time in UTC: the day in two
     * digits ({@code RFC_1123_DATE_TIME} writes days 1-9 with one, which strict parsers refuse).
     */
    public static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private HttpDates() {
    }
}
