package org.gatehouse.core;

/**
 * A shell command's refusal: its message is the whole answer the operator reads. Gogo's local console
 * prints a failed command's exception as {@code toString()}, which would put
 * {@code java.lang.IllegalArgumentException:} before it; this one prints as its message alone. It is
 * an {@link IllegalArgumentException}, so the remote shell and Apache Karaf's console show it (and
 * give exit status 1) as they show any refusal.
 */
public final class CommandRefused extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public CommandRefused(String message) {
        super(message);
    }

    public CommandRefused(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
