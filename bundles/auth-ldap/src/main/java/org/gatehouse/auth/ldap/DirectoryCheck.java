package org.gatehouse.auth.ldap;

import java.util.List;

/**
 * The LDAP/AD authentication filter as the operator sees it. Registered whenever the bundle runs,
 * configured or not, so the shell can say which.
 */
public interface DirectoryCheck {

    /** What is in force now. */
    State state();

    /**
     * Checks one login the way the filter does, one step at a time, against the configured servers
     * in order, with no cache and no rate limit: connect, service bind, search, user bind, group.
     * Stops at the first step that fails. Never logs or keeps the password.
     */
    List<Step> test(String user, char[] password);

    /** One step of {@link #test} and what came of it. */
    record Step(String name, boolean ok, String detail) {
    }

    /**
     * @param configured whether a configuration with servers is in force
     * @param guarding   whether the filter is demanding credentials now
     * @param servers    the directory URLs, in failover order
     * @param guarded    the path prefixes that need credentials
     * @param problem    why the filter refuses everything (503), or null
     * @param accepted   logins accepted since start (from the directory or the cache)
     * @param refused    logins refused since start (wrong or missing credentials, rate limited)
     * @param unavailable requests answered 503 since start because no directory server answered
     * @param cached     successful logins remembered now
     */
    record State(boolean configured, boolean guarding, List<String> servers, List<String> guarded, String problem,
            long accepted, long refused, long unavailable, int cached) {
    }
}
