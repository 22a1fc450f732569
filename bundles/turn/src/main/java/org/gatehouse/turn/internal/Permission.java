package org.gatehouse.turn.internal;

/** A permission's lifetime (RFC 8656 section 9): mutable so a refresh is a field write, not a new map entry. */
final class Permission {

    long expires;

    Permission(long expires) {
        this.expires = expires;
    }
}
