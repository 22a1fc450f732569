package org.gatehouse.ban;

import java.time.Instant;

/** An address (or IPv6 group) with failed PIN attempts counted within the find time, not banned. */
public record FailureCount(String address, int failures, Instant firstFailure, Instant lastFailure) {
}
