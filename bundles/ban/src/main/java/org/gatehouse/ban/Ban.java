package org.gatehouse.ban;

import java.time.Instant;

/**
 * One banned address as the shell shows it: the address (or IPv6 group, {@code 2001:db8:1:2::/64}),
 * the failed attempts that led to the ban, when it began and when it ends.
 */
public record Ban(String address, int failures, Instant bannedSince, Instant expires) {
}
