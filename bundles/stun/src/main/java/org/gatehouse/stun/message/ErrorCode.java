package org.gatehouse.stun.message;

import java.nio.charset.StandardCharsets;

/** ERROR-CODE values (RFC 8489 section 14.8, RFC 8656 section 18, RFC 6156) and their reason phrases. */
public final class ErrorCode {

    public static final int TRY_ALTERNATE = 300;
    public static final int BAD_REQUEST = 400;
    public static final int UNAUTHENTICATED = 401;
    public static final int FORBIDDEN = 403;
    public static final int MOBILITY_FORBIDDEN = 405;
    public static final int UNKNOWN_ATTRIBUTE = 420;
    public static final int ALLOCATION_MISMATCH = 437;
    public static final int STALE_NONCE = 438;
    public static final int ADDRESS_FAMILY_NOT_SUPPORTED = 440;
    public static final int WRONG_CREDENTIALS = 441;
    public static final int UNSUPPORTED_TRANSPORT_PROTOCOL = 442;
    public static final int PEER_ADDRESS_FAMILY_MISMATCH = 443;
    public static final int ALLOCATION_QUOTA_REACHED = 486;
    public static final int SERVER_ERROR = 500;
    public static final int INSUFFICIENT_CAPACITY = 508;

    private static final byte[][] REASONS = new byte[600][];

    static {
        reason(TRY_ALTERNATE, "Try Alternate");
        reason(BAD_REQUEST, "Bad Request");
        reason(UNAUTHENTICATED, "Unauthenticated");
        reason(FORBIDDEN, "Forbidden");
        reason(MOBILITY_FORBIDDEN, "Mobility Forbidden");
        reason(UNKNOWN_ATTRIBUTE, "Unknown Attribute");
        reason(ALLOCATION_MISMATCH, "Allocation Mismatch");
        reason(STALE_NONCE, "Stale Nonce");
        reason(ADDRESS_FAMILY_NOT_SUPPORTED, "Address Family not Supported");
        reason(WRONG_CREDENTIALS, "Wrong Credentials");
        reason(UNSUPPORTED_TRANSPORT_PROTOCOL, "Unsupported Transport Protocol");
        reason(PEER_ADDRESS_FAMILY_MISMATCH, "Peer Address Family Mismatch");
        reason(ALLOCATION_QUOTA_REACHED, "Allocation Quota Reached");
        reason(SERVER_ERROR, "Server Error");
        reason(INSUFFICIENT_CAPACITY, "Insufficient Capacity");
    }

    private ErrorCode() {
    }

    private static void reason(int code, String text) {
        REASONS[code] = text.getBytes(StandardCharsets.UTF_8);
    }

    /** The RFC's reason phrase in UTF-8, or an empty array for a code without one. Shared: do not modify. */
    static byte[] reasonBytes(int code) {
        byte[] r = code >= 0 && code < REASONS.length ? REASONS[code] : null;
        return r == null ? new byte[0] : r;
    }

    public static String reason(int code) {
        return new String(reasonBytes(code), StandardCharsets.UTF_8);
    }
}
