package org.gatehouse.core.config;

/** A configuration value that cannot be used; the message names the file, key, value and the fix. */
public final class InvalidSettingException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final String key;

    public InvalidSettingException(String source, String key, Object value, String problem) {
        super(source + ": " + key + " = '" + value + "' " + problem);
        this.source = source;
        this.key = key;
    }

    /** The file (or configuration PID, when not file-backed) the value came from. */
    public String source() {
        return source;
    }

    public String key() {
        return key;
    }
}
