package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.gatehouse.core.config.InvalidSettingException;

/**
 * The configured directory: search-then-bind over two connection pools to the same servers (failover
 * in the configured order). One pool is bound as the service account and searches; the other only
 * carries user binds, so a user's identity never leaks into a search. Calls block: they run on the
 * filter's worker threads, never on an event loop.
 */
final class Directory implements AutoCloseable {

    enum Outcome { ACCEPTED, REFUSED, UNAVAILABLE }

    /** What became of one login, and why (for the log; never shown to the client). */
    record Result(Outcome outcome, String reason) {
    }

    private final LdapSettings settings;
    private final SSLContext tls;
    private final LDAPConnectionPool searches;
    private final LDAPConnectionPool binds;

    Directory(LdapSettings settings) throws InvalidSettingException {
        this.settings = settings;
        this.tls = Connections.tls(settings);
        List<ServerSet> servers = Connections.servers(settings, tls);
        ServerSet set = servers.size() == 1 ? servers.get(0) : new FailoverServerSet(servers);
        BindRequest service = settings.bindDn().isEmpty() ? null : new SimpleBindRequest(settings.bindDn(), settings.bindPassword());
        try {
            // No connection at start (the directory may be down; the first login connects), none thrown on failure.
            searches = pool(set, service);
            binds = pool(set, null);
        } catch (LDAPException e) {
            throw new InvalidSettingException(settings.source(), "url", settings.servers(), "cannot be used: " + Causes.of(e));
        }
    }

    private LDAPConnectionPool pool(ServerSet set, BindRequest bind) throws LDAPException {
        LDAPConnectionPool p = new LDAPConnectionPool(set, bind, 0, settings.poolSize(), 1, null, false);
        p.setCreateIfNecessary(true);
        p.setMaxWaitTimeMillis(settings.responseTimeoutSeconds() * 1000L);
        p.setRetryFailedOperationsDueToInvalidConnections(true);
        // Connections are replaced now and then, so after a failover they come back to the first server.
        p.setMaxConnectionAgeMillis(10 * 60_000L);
        return p;
    }

    LdapSettings settings() {
        return settings;
    }

    /** The trust these pools use ({@code ca-file} as read when they were made), so {@code ldap:test} uses the same; null without TLS. */
    SSLContext tls() {
        return tls;
    }

    /** A failure the directory caused, in one line; the whole exception at DEBUG. */
    private static Result unavailable(String what, LDAPException e) {
        LdapFilter.LOG.debug("LDAP: {} failed", what, e);
        return new Result(Outcome.UNAVAILABLE, what + " failed: " + Causes.of(e));
    }

    Result authenticate(String user, String password) {
        if (user.isEmpty() || password.isEmpty()) {
            return new Result(Outcome.REFUSED, "empty user name or password");
        }
        SearchResultEntry entry;
        try {
            SearchResult found = searches.search(Lookup.userSearch(settings, user));
            List<SearchResultEntry> entries = found.getSearchEntries();
            if (entries.isEmpty()) {
                return new Result(Outcome.REFUSED, "no entry matches user-filter");
            }
            if (entries.size() > 1) {
                return new Result(Outcome.REFUSED, "more than one entry matches user-filter");
            }
            entry = entries.get(0);
        } catch (LDAPSearchException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return new Result(Outcome.REFUSED, "more than one entry matches user-filter");
            }
            return unavailable("search", e);
        } catch (LDAPException e) {
            // An invalid filter cannot come from a name (it is escaped); anything else is the directory's.
            return unavailable("search", e);
        }
        try {
            binds.bind(new SimpleBindRequest(entry.getDN(), password));
        } catch (LDAPException e) {
            if (Lookup.unavailable(e.getResultCode())) {
                return unavailable("bind as " + entry.getDN(), e);
            }
            if (e.getResultCode() == ResultCode.CONFIDENTIALITY_REQUIRED || e.getResultCode() == ResultCode.STRONG_AUTH_REQUIRED) {
                // The directory refuses every simple bind on this connection (Active Directory asking for
                // LDAP signing, a server wanting TLS for binds): not this user's password but the
                // configuration's, so 503 for all rather than 401 and failures counted toward 429.
                LdapFilter.LOG.debug("LDAP: bind as {} refused", entry.getDN(), e);
                return new Result(Outcome.UNAVAILABLE, "bind as " + entry.getDN() + " refused: " + e.getResultCode()
                        + " (the directory wants binds protected: use ldaps:// or start-tls = true)");
            }
            return new Result(Outcome.REFUSED, "bind as " + entry.getDN() + " refused: " + e.getResultCode());
        }
        try {
            if (!Lookup.inGroup(searches, settings, entry)) {
                return new Result(Outcome.REFUSED, entry.getDN() + " is not in " + settings.requiredGroup());
            }
        } catch (LDAPException e) {
            return unavailable("group check", e);
        }
        return new Result(Outcome.ACCEPTED, entry.getDN());
    }

    @Override
    public void close() {
        searches.close();
        binds.close();
    }
}
