package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.DereferencePolicy;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;

/**
 * The directory questions the filter and {@code ldap:test} both ask, on a pool or on one connection:
 * the search for the user's entry (the name escaped into the filter) and the group membership check.
 */
final class Lookup {

    private Lookup() {
    }

    /** The search for {@code user}'s entry: at most 2 answers asked for (2 means ambiguous), no referrals, no aliases. */
    static SearchRequest userSearch(LdapSettings s, String user) throws LDAPException {
        Filter filter = Filter.create(s.userFilter().replace(LdapSettings.USER, Filter.encodeValue(user)));
        String[] attributes = s.requiredGroup() != null && s.membership() == LdapSettings.Membership.MEMBER_OF
                ? new String[] {"memberOf"} : new String[] {SearchRequest.NO_ATTRIBUTES};
        SearchRequest r = new SearchRequest(s.base().toString(), SearchScope.SUB, DereferencePolicy.NEVER, 2,
                s.responseTimeoutSeconds(), false, filter, attributes);
        r.setFollowReferrals(false);
        return r;
    }

    /** The filter text sent for {@code user}, for {@code ldap:test}. */
    static String filterText(LdapSettings s, String user) {
        return s.userFilter().replace(LdapSettings.USER, Filter.encodeValue(user));
    }

    /**
     * Whether the entry belongs to {@code required-group}. With {@code member}, a base search of the
     * group for {@code (member=<the user's DN>)}, done as the service account; with {@code memberOf},
     * the values the user search returned.
     *
     * @throws LDAPException when the directory cannot answer (a missing group is an answer: no)
     */
    static boolean inGroup(LDAPInterface ldap, LdapSettings s, SearchResultEntry entry) throws LDAPException {
        DN group = s.requiredGroup();
        if (group == null) {
            return true;
        }
        if (s.membership() == LdapSettings.Membership.MEMBER_OF) {
            String[] values = entry.getAttributeValues("memberOf");
            if (values != null) {
                for (String v : values) {
                    try {
                        if (new DN(v).equals(group)) {
                            return true;
                        }
                    } catch (LDAPException notADn) {
                        // not a group DN: skip it
                    }
                }
            }
            return false;
        }
        SearchRequest r = new SearchRequest(group.toString(), SearchScope.BASE, DereferencePolicy.NEVER, 1,
                s.responseTimeoutSeconds(), false, Filter.createEqualityFilter("member", entry.getDN()), SearchRequest.NO_ATTRIBUTES);
        r.setFollowReferrals(false);
        try {
            return ldap.search(r).getEntryCount() == 1;
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return false;
            }
            throw e;
        }
    }

    /** Whether a result code means the directory did not answer (503), not that it said no. */
    static boolean unavailable(ResultCode rc) {
        return !ResultCode.isConnectionUsable(rc) || rc == ResultCode.BUSY || rc == ResultCode.UNAVAILABLE
                || rc == ResultCode.TIMEOUT || rc == ResultCode.CONNECT_ERROR || rc == ResultCode.SERVER_DOWN
                || rc == ResultCode.LOCAL_ERROR || rc == ResultCode.OTHER;
    }
}
