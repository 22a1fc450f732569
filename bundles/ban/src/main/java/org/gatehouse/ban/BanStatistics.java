package org.gatehouse.ban;

import java.time.Duration;

/**
 * The ban settings in force ({@code etc/org.gatehouse.ban.cfg}) and what happened since start:
 * {@code refused} counts the 429 answers of the ban (to banned addresses, and to PIN attempts beyond
 * max-failures under way at once), {@code forgotten} the addresses
 * whose counted failures were dropped because {@code max-tracked} addresses were already counted.
 */
public record BanStatistics(boolean enabled, int maxFailures, Duration findTime, Duration banTime,
        boolean exemptManagementNetworks, int ipv6Prefix, int maxTracked, int banned, int counting,
        long failuresSinceStart, long bansSinceStart, long refusedSinceStart, long forgottenSinceStart) {
}
