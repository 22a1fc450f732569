package org.gatehouse.turn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;

/**
 * The long-term credential users in the user file ({@code userdb}): one line per user,
 * {@code user:0x<md5(user:realm:password)>} as coturn's {@code turnadmin -k} prints the key,
 * optionally {@code :realm} after it for a realm other than the configured one. Changes made here are
 * written to the file at once and apply to the next request; allocations already made keep relaying.
 */
public interface TurnUsers {

    /** Where the users are kept. */
    Path file();

    /** User names with the realm each key is for, as {@code user@realm}, sorted. */
    List<String> users();

    /**
     * How many users can log in in the realm in force: those with a line for it or a line without
     * realm. A line for another realm holds a key made with that realm, which cannot match.
     */
    int usersInRealm();

    /** The lines for realms other than the one in force, counted by realm, sorted by realm. */
    SortedMap<String, Integer> linesForOtherRealms();

    /**
     * Adds or replaces {@code user}'s key for {@code realm} (null: the configured realm). Only the
     * key is stored, never the password. Refused (IllegalArgumentException, nothing written) while
     * the configuration file is refused, as is {@link #remove(String)}: the file's realm may not be the
     * one in force.
     */
    void add(String user, String password, String realm) throws IOException;

    /** Removes every key of {@code user}; false when there was none. */
    boolean remove(String user) throws IOException;
}
