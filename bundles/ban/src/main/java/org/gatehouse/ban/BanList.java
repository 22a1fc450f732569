package org.gatehouse.ban;

import java.util.List;

/**
 * The addresses that keep guessing conference PINs: those banned (answered 429 on every request
 * until the ban expires) and those with failed attempts counted but not yet banned.
 */
public interface BanList {

    /** The bans in force, the one that expires first first. */
    List<Ban> bans();

    /** Addresses with failed attempts counted within the find time and not banned, most failures first. */
    List<FailureCount> failures();

    /**
     * Lifts the ban on {@code address} and forgets its counted failures. With IPv6 grouping
     * ({@code ipv6-prefix} below 128) any address of the group, or the group written as
     * {@code prefix/length}, names the group.
     *
     * @return whether a ban or counted failures were removed
     * @throws IllegalArgumentException when {@code address} is not an IP address, naming what is wrong
     */
    boolean remove(String address);

    /** The settings in force and the counters since start. */
    BanStatistics statistics();
}
