package org.gatehouse.stun.message;

/** STUN methods (RFC 8489, RFC 8656, RFC 6062). */
public final class Method {

    public static final int BINDING = 0x001;
    public static final int ALLOCATE = 0x003;
    public static final int REFRESH = 0x004;
    public static final int SEND = 0x006;
    public static final int DATA = 0x007;
    public static final int CREATE_PERMISSION = 0x008;
    public static final int CHANNEL_BIND = 0x009;
    public static final int CONNECT = 0x00A;
    public static final int CONNECTION_BIND = 0x00B;
    public static final int CONNECTION_ATTEMPT = 0x00C;

    private Method() {
    }

    public static String name(int method) {
        switch (method) {
            case BINDING: return "Binding";
            case ALLOCATE: return "Allocate";
            case REFRESH: return "Refresh";
            case SEND: return "Send";
            case DATA: return "Data";
            case CREATE_PERMISSION: return "CreatePermission";
            case CHANNEL_BIND: return "ChannelBind";
            case CONNECT: return "Connect";
            case CONNECTION_BIND: return "ConnectionBind";
            case CONNECTION_ATTEMPT: return "ConnectionAttempt";
            default: return String.format("method 0x%03x", method);
        }
    }
}
