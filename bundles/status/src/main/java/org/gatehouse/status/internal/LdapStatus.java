package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.List;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** LDAP/AD authentication: logins by outcome, the cache, and whether the directory answered last time. */
@Component(name = "org.gatehouse.status.ldap", service = {MetricsSource.class, PageSection.class})
public final class LdapStatus implements MetricsSource, PageSection {

    private final DirectoryCheck directory;

    @Activate
    public LdapStatus(@Reference DirectoryCheck directory) {
        this.directory = directory;
    }

    @Override
    public void collect(Metrics m) {
        DirectoryCheck.Statistics s = directory.statistics();
        m.counter("gatehouse_ldap_logins_accepted_total", "Logins accepted, by the directory or from the cache.", s.accepted());
        m.counter("gatehouse_ldap_cache_hits_total", "Logins accepted from the cache without asking the directory.", s.acceptedFromCache());
        m.counter("gatehouse_ldap_logins_failed_total", "Logins the directory refused: unknown user, wrong password, not in the required group.",
                s.wrongCredentials());
        m.counter("gatehouse_ldap_logins_malformed_total", "Logins refused before asking: malformed Authorization header, empty user name or password.",
                s.malformed());
        m.counter("gatehouse_ldap_logins_rate_limited_total", "Requests answered 429 after too many failed logins from the address.",
                s.rateLimited());
        m.counter("gatehouse_ldap_unavailable_total", "Requests answered 503: no directory server answered, too many logins waiting, "
                + "or an unusable configuration.", s.unavailable());
        if (s.directory() != DirectoryCheck.Reachability.UNKNOWN) {
            m.gauge("gatehouse_ldap_directory_reachable", "Whether the directory answered the last login (1) or not (0).",
                    s.directory() == DirectoryCheck.Reachability.REACHABLE ? 1 : 0);
        }
    }

    @Override
    public int order() {
        return 70;
    }

    @Override
    public void render(Html page) {
        DirectoryCheck.State state = directory.state();
        DirectoryCheck.Statistics s = directory.statistics();
        page.heading("LDAP");
        List<List<String>> rows = new ArrayList<>();
        String guarding;
        if (state.problem() != null) {
            guarding = "every path: every request gets 503 until the configuration is fixed";
        } else if (state.guarding()) {
            guarding = String.join(", ", state.guarded()) + " against " + String.join(", ", state.servers());
        } else {
            guarding = state.idle() == null ? "nothing" : "nothing: " + state.idle();
        }
        rows.add(List.of("Guarding", guarding));
        rows.add(List.of("Directory", switch (s.directory()) {
            case REACHABLE -> "answered the last login";
            case UNREACHABLE -> "did not answer the last login";
            default -> "not asked since start or the last change";
        }));
        rows.add(List.of("Since start", String.format("%,d accepted (%,d from the cache), %,d wrong credentials, %,d malformed, "
                + "%,d rate limited, %,d answered 503", s.accepted(), s.acceptedFromCache(), s.wrongCredentials(), s.malformed(),
                s.rateLimited(), s.unavailable())));
        page.facts(rows);
        if (state.problem() != null) {
            page.problem("The configuration cannot be used, every request on every path gets 503: " + state.problem());
        } else if (s.directory() == DirectoryCheck.Reachability.UNREACHABLE) {
            page.problem("No directory server answered the last login: guarded requests get 503 until one does.");
        }
    }
}
