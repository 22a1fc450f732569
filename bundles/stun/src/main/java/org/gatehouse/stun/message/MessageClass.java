package org.gatehouse.stun.message;

/**
 * The four STUN message classes and the packing of class and method into the 14-bit message type
 * (RFC 8489 section 5: method bits M0-M11 interleaved with class bits C0 and C1).
 */
public final class MessageClass {

    public static final int REQUEST = 0;
    public static final int INDICATION = 1;
    public static final int SUCCESS_RESPONSE = 2;
    public static final int ERROR_RESPONSE = 3;

    private MessageClass() {
    }

    public static int type(int method, int messageClass) {
        return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
                | ((messageClass & 0b01) << 4) | ((messageClass & 0b10) << 7);
    }

    public static int method(int type) {
        return (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);
    }

    public static int messageClass(int type) {
        return ((type >> 4) & 0b01) | ((type >> 7) & 0b10);
    }

    public static String name(int messageClass) {
        switch (messageClass) {
            case REQUEST: return "request";
            case INDICATION: return "indication";
            case SUCCESS_RESPONSE: return "success response";
            default: return "error response";
        }
    }
}
