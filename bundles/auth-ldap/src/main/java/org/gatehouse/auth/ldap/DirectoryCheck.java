package org.gatehouse.auth.ldap;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The LDAP/AD authentication filter as the operator sees it. Registered whenever the bundle runs,
 * configured or not, so the shell can say which.
 */
@ProviderType
public interface DirectoryCheck {

    /** What is in force now. */
    State state();

    /** What the filter decided since start, by outcome, and whether the directory answered last time. Cheap: counters only. */
    Statistics statistics();

    /**
     * Checks one login the way the filter does, one step at a time, against the configured servers
     * in order, with no cache and no rate limit: connect, service bind, search, user bind, group.
     * Stops at the first step that fails. Never logs or keeps the password.
     */
    List<Step> test(String user, char[] password);

    /** One step of {@link #test} and what came of it. */
    record Step(String name, boolean ok, String detail) {
    }

    /** Whether the directory answered the filter's last call. */
    enum Reachability {
        /** No directory call since start or since the configuration last changed. */
        UNKNOWN,
        /** The last call got an answer (yes or no). */
        REACHABLE,
        /** The last call got none: no server answered, or the search failed; that login got 503. */
        UNREACHABLE
    }

    /**
     * @param accepted          logins accepted since start, from the directory or the cache
     * @param acceptedFromCache of those, the ones the cache accepted without asking the directory
     * @param wrongCredentials  logins the directory refused: unknown user, wrong password, not in the required group (401)
     * @param malformed         refused before asking: a malformed Authorization header, an empty user name or password (401)
     * @param rateLimited       answered 429 without asking: too many failures from the address
     * @param unavailable       answered 503: no directory server answered, too many logins waiting, or an unusable configuration
     * @param directory         whether the last directory call got an answer
     */
    record Statistics(long accepted, long acceptedFromCache, long wrongCredentials, long malformed, long rateLimited,
            long unavailable, Reachability directory) {
    }

    /**
     * @param configured whether a configuration with servers is in force
     * @param guarding   whether the filter is answering requests now: demanding credentials, or refusing everything (503)
     * @param servers    the directory URLs, in failover order
     * @param guarded    the path prefixes that need credentials
     * @param problem    why the filter refuses everything (503): the configuration cannot be used; or null
     * @param accepted   logins accepted since start (from the directory or the cache)
     * @param refused    logins refused since start (wrong or missing credentials, rate limited)
     * @param unavailable requests answered 503 since start because no directory server answered (or too many logins waited)
     * @param cached     successful logins remembered now
     * @param idle       why nothing is guarded (no file, {@code enabled = false}, no url), or null when guarding
     * @param unusable   requests answered 503 since start because the configuration could not be used
     */
    record State(boolean configured, boolean guarding, List<String> servers, List<String> guarded, String problem,
            long accepted, long refused, long unavailable, int cached, String idle, long unusable) {

        /** As in 1.1, without the reason for not guarding and the 503 answers of an unusable configuration. */
        public State(boolean configured, boolean guarding, List<String> servers, List<String> guarded, String problem,
                long accepted, long refused, long unavailable, int cached) {
            this(configured, guarding, servers, guarded, problem, accepted, refused, unavailable, cached, null, 0);
        }
    }
}
