package org.gatehouse.core;

/**
 * Something wrong now, which {@code gatehouse:status} lists under Problems for as long as the
 * service is registered: a bundle registers one when it cannot do what its configuration asks (no
 * status listener open although {@code listen} names addresses) and unregisters it once that is
 * over. State, not history: what was logged and has since been fixed is in {@link RecentErrors}.
 */
public interface Problem {

    /** One line for the operator: what is wrong, where it is set, and what is lost meanwhile. */
    String text();
}
