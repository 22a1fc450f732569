package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.ServerSet;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.gatehouse.auth.ldap.DirectoryCheck.Step;

/**
 * {@code ldap:test}: one login checked step by step on a fresh connection, so the operator sees which
 * server answered and where a login stops. The same searches as the filter ({@link Lookup}).
 */
final class DirectoryProbe {

    private DirectoryProbe() {
    }

    /**
     * @param tls the trust the filter's own connections use (its {@link Directory#tls()}), so this
     *            check and the filter never disagree about a certificate; null without TLS
     */
    static List<Step> test(LdapSettings s, SSLContext tls, String user, String password) {
        List<Step> steps = new ArrayList<>();
        if (s != null && !s.enabled()) {
            steps.add(new Step("configuration", false, "LDAP authentication is switched off (enabled = false in etc/org.gatehouse.auth.ldap.cfg)"));
            return steps;
        }
        if (s == null || !s.guarding()) {
            steps.add(new Step("configuration", false, "LDAP authentication is not configured (etc/org.gatehouse.auth.ldap.cfg, "
                    + "see etc/org.gatehouse.auth.ldap.cfg.example)"));
            return steps;
        }
        if (user.isEmpty() || password.isEmpty()) {
            steps.add(new Step("credentials", false, "an empty user name or password is refused before any bind"));
            return steps;
        }
        List<ServerSet> servers = Connections.servers(s, tls);
        LDAPConnection c = null;
        for (int i = 0; i < servers.size() && c == null; i++) {
            LDAPURL u = s.urls().get(i);
            String name = s.servers().get(i);
            try {
                c = servers.get(i).getConnection();
                steps.add(new Step("connect", true, name + (u.getScheme().equalsIgnoreCase("ldaps") || s.startTls() ? ", TLS verified" : "")));
            } catch (LDAPException e) {
                LdapFilter.LOG.debug("LDAP: ldap:test could not connect to {}", name, e);
                steps.add(new Step("connect", false, name + ": " + Causes.of(e)));
            }
        }
        if (c == null) {
            steps.add(new Step("result", false, "no directory server answered: logins get 503"));
            return steps;
        }
        try (LDAPConnection connection = c) {
            if (!serviceBind(connection, s, steps)) {
                return steps;
            }
            SearchResultEntry entry;
            String filter = Lookup.filterText(s, user);
            try {
                SearchResult found = connection.search(Lookup.userSearch(s, user));
                int n = found.getEntryCount();
                if (n != 1) {
                    steps.add(new Step("search", false, filter + " under " + s.base() + ": " + n + " entries (exactly 1 needed)"));
                    return steps;
                }
                entry = found.getSearchEntries().get(0);
                steps.add(new Step("search", true, filter + " under " + s.base() + ": 1 entry, " + entry.getDN()));
            } catch (LDAPException e) {
                steps.add(new Step("search", false, filter + " under " + s.base() + ": "
                        + (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED ? "more than 1 entry (exactly 1 needed)" : Causes.of(e))));
                return steps;
            }
            try {
                connection.bind(entry.getDN(), password);
                steps.add(new Step("user bind", true, "as " + entry.getDN()));
            } catch (LDAPException e) {
                steps.add(new Step("user bind", false, "as " + entry.getDN() + ": " + answer(e)));
                return steps;
            }
            if (s.requiredGroup() == null) {
                steps.add(new Step("group", true, "no required-group"));
            } else {
                if (!serviceBind(connection, s, new ArrayList<>())) {
                    steps.add(new Step("group", false, "cannot bind as the service account again"));
                    return steps;
                }
                try {
                    boolean in = Lookup.inGroup(connection, s, entry);
                    steps.add(new Step("group", in, (in ? "member of " : "not a member of ") + s.requiredGroup()
                            + " (" + (s.membership() == LdapSettings.Membership.MEMBER ? "member" : "memberOf") + ")"));
                } catch (LDAPException e) {
                    steps.add(new Step("group", false, s.requiredGroup() + ": " + Causes.of(e)));
                }
            }
        }
        return steps;
    }

    private static boolean serviceBind(LDAPConnection c, LdapSettings s, List<Step> steps) {
        if (s.bindDn().isEmpty()) {
            steps.add(new Step("service bind", true, "none: anonymous search (no bind-dn)"));
            return true;
        }
        try {
            c.bind(s.bindDn(), s.bindPassword());
            steps.add(new Step("service bind", true, "as " + s.bindDn()));
            return true;
        } catch (LDAPException e) {
            steps.add(new Step("service bind", false, "as " + s.bindDn() + ": " + answer(e)));
            return false;
        }
    }

    /** The directory's own answer ({@code 49 (invalid credentials)}); no answer at all, in one line. */
    private static String answer(LDAPException e) {
        if (Lookup.unavailable(e.getResultCode())) {
            LdapFilter.LOG.debug("LDAP: ldap:test got no answer", e);
            return Causes.of(e);
        }
        return e.getResultCode() + (e.getDiagnosticMessage() == null ? "" : " (" + e.getDiagnosticMessage() + ")");
    }
}
