package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;

/**
 * {@code etc/org.gatehouse.auth.ldap.cfg}. Absent, or without {@code url} (and without the keys
 * that say how to check users), or with {@code enabled = false}: nothing is guarded.
 */
record LdapSettings(boolean enabled, List<LDAPURL> urls, boolean startTls, Path caFile, String bindDn, String bindPassword,
        DN base, String userFilter, DN requiredGroup, Membership membership, List<String> guardedPaths, String realm,
        int cacheSeconds, int poolSize, int connectTimeoutSeconds, int responseTimeoutSeconds, int failureLimit,
        int addressFailureLimit, int failureWindowSeconds, boolean forwardAuthorization, String source) {

    static final String PID = "org.gatehouse.auth.ldap";
    static final String USER = "{user}";
    /**
     * The keys that say how users are checked: a file with one of them and no {@code url} lost its
     * servers by mistake (a line deleted, commented out, misspelt) and is refused, not read as
     * "guard nothing", which would open every guarded path on a bad edit.
     */
    private static final List<String> CHECK_KEYS = List.of("base", "bind-dn", "user-filter", "required-group", "guarded-paths");

    /** How membership of {@code required-group} is read. */
    enum Membership {
        /** The group entry lists its members' DNs in {@code member} (groupOfNames, AD). */
        MEMBER,
        /** The user entry lists its groups' DNs in {@code memberOf} (AD, OpenLDAP with the memberof overlay). */
        MEMBER_OF
    }

    /** Whether these settings ask for anything to be guarded. */
    boolean guarding() {
        return enabled && !urls.isEmpty();
    }

    /** Whether {@code e} refused a file for having no {@code url} though it says how to check users. */
    static boolean lostUrl(InvalidSettingException e) {
        return e.key().equals("url") && e.getMessage().contains(LOST_URL);
    }

    private static final String LOST_URL = "is missing or empty, though ";

    static LdapSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        boolean enabled = s.bool("enabled", true);
        List<LDAPURL> urls = s.list("url", List.of(), LdapSettings::url);
        if (enabled && urls.isEmpty()) {
            for (String key : CHECK_KEYS) {
                if (!s.string(key, "").isEmpty()) {
                    throw new InvalidSettingException(s.source(), "url", "", LOST_URL + key
                            + " says how to check users: name the directory servers, or set enabled = false to guard nothing");
                }
            }
        }
        boolean startTls = s.bool("start-tls", false);
        if (startTls) {
            for (LDAPURL u : urls) {
                if (u.getScheme().equals("ldaps")) {
                    throw new InvalidSettingException(s.source(), "start-tls", "true", "cannot apply to " + u
                            + ", which is already TLS: use ldap:// URLs with start-tls, or ldaps:// without it");
                }
            }
        }
        Path caFile = s.has("ca-file") ? InstallationPaths.resolve(s.string("ca-file", "")) : null;
        String bindDn = s.string("bind-dn", "");
        if (!bindDn.isEmpty()) {
            dn(s, "bind-dn", bindDn);
        }
        String bindPassword = s.string("bind-password", "");
        if (!bindDn.isEmpty() && bindPassword.isEmpty()) {
            throw new InvalidSettingException(s.source(), "bind-password", "", "is empty: the service account " + bindDn
                    + " needs its password (an empty one would be an unauthenticated bind)");
        }
        String baseText = s.string("base", "");
        if (enabled && !urls.isEmpty() && baseText.isEmpty()) {
            throw new InvalidSettingException(s.source(), "base", "", "is empty: name the entry users are searched under, e.g. dc=example,dc=com");
        }
        DN base = baseText.isEmpty() ? DN.NULL_DN : dn(s, "base", baseText);
        String userFilter = s.string("user-filter", "(uid={user})");
        if (!userFilter.contains(USER)) {
            throw new InvalidSettingException(s.source(), "user-filter", userFilter, "must contain " + USER + ", e.g. (sAMAccountName={user})");
        }
        try {
            Filter.create(userFilter.replace(USER, "x"));
        } catch (LDAPException e) {
            throw new InvalidSettingException(s.source(), "user-filter", userFilter, "is not an LDAP filter: " + e.getMessage());
        }
        String group = s.string("required-group", "");
        DN requiredGroup = group.isEmpty() ? null : dn(s, "required-group", group);
        Membership membership = s.string("group-membership", "").equalsIgnoreCase("memberOf") ? Membership.MEMBER_OF
                : s.choice("group-membership", Membership.MEMBER);
        List<String> guarded = s.list("guarded-paths", List.of("/"));
        for (String p : guarded) {
            if (!p.startsWith("/")) {
                throw new InvalidSettingException(s.source(), "guarded-paths", p, "must start with /, e.g. / or /api/");
            }
        }
        if (guarded.isEmpty()) {
            throw new InvalidSettingException(s.source(), "guarded-paths", "", "is empty: use enabled = false to guard nothing");
        }
        String realm = s.string("realm", "Gatehouse");
        if (realm.isEmpty() || realm.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\' || c == 0x7f)) {
            throw new InvalidSettingException(s.source(), "realm", realm, "must be printable text without quotes or backslashes");
        }
        return new LdapSettings(enabled, List.copyOf(urls), startTls, caFile, bindDn, bindPassword, base, userFilter,
                requiredGroup, membership, List.copyOf(guarded), realm,
                s.integer("cache-seconds", 60, 0, 3600),
                s.integer("pool-size", 4, 1, 64),
                s.integer("connect-timeout", 5, 1, 60),
                s.integer("response-timeout", 5, 1, 120),
                s.integer("failure-limit", 10, 1, 10_000),
                s.integer("address-failure-limit", 50, 1, 100_000),
                s.integer("failure-window", 300, 1, 86_400),
                s.bool("forward-authorization", false),
                s.source());
    }

    private static LDAPURL url(String text) {
        LDAPURL u;
        try {
            u = new LDAPURL(text);
        } catch (LDAPException e) {
            throw new IllegalArgumentException("not an LDAP URL such as ldaps://dc1.example.com (" + e.getMessage() + ")");
        }
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
            throw new IllegalArgumentException("the scheme must be ldap or ldaps");
        }
        if (!u.hostProvided()) {
            throw new IllegalArgumentException("names no host");
        }
        return u;
    }

    private static DN dn(Settings s, String key, String text) throws InvalidSettingException {
        try {
            return new DN(text);
        } catch (LDAPException e) {
            throw new InvalidSettingException(s.source(), key, text, "is not a distinguished name: " + e.getMessage());
        }
    }

    /** Never the password: records print every component otherwise. */
    @Override
    public String toString() {
        return "LDAP " + servers() + " base " + base + " filter " + userFilter + (requiredGroup == null ? "" : " group " + requiredGroup)
                + " guarding " + guardedPaths;
    }

    /** The servers, for logs and the shell. */
    List<String> servers() {
        List<String> out = new ArrayList<>();
        urls.forEach(u -> out.add(u.getScheme() + "://" + u.getHost() + ":" + u.getPort() + (startTls ? " (StartTLS)" : "")));
        return out;
    }

    /**
     * Whether these settings accept and refuse the same logins as {@code o}: the same servers (and
     * trust), the same service account, search and group. Then the logins one accepted (the login
     * cache) hold for the other; the realm, paths, limits, timeouts and pool sizes do not matter.
     */
    boolean decidesLoginsAs(LdapSettings o) {
        return o != null && servers().equals(o.servers()) && Objects.equals(caFile, o.caFile) && bindDn.equals(o.bindDn)
                && bindPassword.equals(o.bindPassword) && base.equals(o.base) && userFilter.equals(o.userFilter)
                && Objects.equals(requiredGroup, o.requiredGroup) && membership == o.membership;
    }

    /** Whether a request path needs credentials. */
    boolean guards(String path) {
        for (String p : guardedPaths) {
            // Case-insensitive: a node that ignores case (IIS) serves /API/ as /api/; guarding more is safe.
            if (path.regionMatches(true, 0, p, 0, p.length())) {
                return true;
            }
        }
        return false;
    }
}
