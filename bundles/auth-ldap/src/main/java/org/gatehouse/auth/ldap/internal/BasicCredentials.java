package org.gatehouse.auth.ldap.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * An {@code Authorization: Basic} header (RFC 7617), read strictly: one header, the Basic scheme,
 * canonical base64, UTF-8 without errors, a colon, bounded sizes, no control characters in the name.
 * Anything else is malformed, which the filter answers with a challenge like wrong credentials.
 */
record BasicCredentials(String user, String password) {

    /** Larger than any real name and password; larger headers are refused before decoding. */
    static final int MAX_HEADER = 1024;
    static final int MAX_USER = 256;

    /** Why a header was refused (kept for the log; the client sees only the challenge). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    static BasicCredentials parse(List<String> headers) throws Malformed {
        if (headers.size() != 1) {
            throw new Malformed(headers.size() + " Authorization headers");
        }
        String h = headers.get(0).strip();
        if (h.length() > MAX_HEADER) {
            throw new Malformed("Authorization header of " + h.length() + " characters");
        }
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase("Basic")) {
            throw new Malformed("not the Basic scheme");
        }
        String token = h.substring(space + 1).strip();
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new Malformed("not base64");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("not UTF-8");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new Malformed("no colon between user and password");
        }
        String user = text.substring(0, colon);
        String password = text.substring(colon + 1);
        if (user.isEmpty() || user.length() > MAX_USER) {
            throw new Malformed("user name of " + user.length() + " characters");
        }
        // C0, DEL and C1 (NEL, CSI, ...): none belongs in a name, and the name goes into log lines.
        if (user.chars().anyMatch(Character::isISOControl)) {
            throw new Malformed("control character in the user name");
        }
        return new BasicCredentials(user, password);
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "user " + user;
    }
}
