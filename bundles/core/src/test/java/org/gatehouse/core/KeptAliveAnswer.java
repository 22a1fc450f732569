package org.gatehouse.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 answer with a Content-Length body read from a kept-alive connection, leaving the
 * connection at the next answer (in this module's test jar for the other bundles' tests).
 */
public final class KeptAliveAnswer {

    private KeptAliveAnswer() {
    }

    /** The head and body as read; only what came before the end when the connection closes first. */
    public static String read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}
