package org.gatehouse.stun.message;

/** Outcome of {@link StunMessage#parse}: {@link #OK}, or why the bytes are not a usable STUN message. */
public enum ParseResult {
    OK,
    /** The first two bits are not zero: ChannelData, another protocol, or noise. */
    NOT_STUN,
    /** Fewer bytes than the 20-byte header, or than the header's length says. */
    TRUNCATED,
    /** Length not a multiple of 4, or more bytes than the header's length says. */
    BAD_LENGTH,
    /** An attribute's length runs past the end of the message. */
    ATTRIBUTE_OVERRUN,
    /** More attributes than {@link StunMessage#MAX_ATTRIBUTES}. */
    TOO_MANY_ATTRIBUTES,
    /** A FINGERPRINT that does not match, is not last, or has the wrong size. */
    BAD_FINGERPRINT,
    /** A MESSAGE-INTEGRITY(-SHA256) attribute of the wrong size. */
    BAD_INTEGRITY_ATTRIBUTE
}
