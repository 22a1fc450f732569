package org.gatehouse.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.gatehouse.auth.ldap.DirectoryCheck;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code gatehouse:status} block of the LDAP/AD authentication filter. */
@Component(name = "org.gatehouse.shell.status.ldap", service = StatusSection.class)
public final class LdapStatus implements StatusSection {

    @Reference
    DirectoryCheck directory;

    @Override
    public String title() {
        return "LDAP";
    }

    @Override
    public Report report() {
        DirectoryCheck.State s = directory.state();
        List<String> lines = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (s.problem() != null) {
            lines.add("refusing every request (503): " + s.problem());
            problems.add("LDAP: the configuration cannot be used, every request gets 503: " + s.problem());
        } else if (!s.guarding()) {
            lines.add("not guarding: " + (s.idle() != null ? s.idle() : "no etc/org.gatehouse.auth.ldap.cfg (see etc/org.gatehouse.auth.ldap.cfg.example)"));
        } else {
            lines.add("guarding " + String.join(", ", s.guarded()) + " against " + String.join(", ", s.servers()));
        }
        if (s.guarding() && s.problem() == null) {
            DirectoryCheck.Reachability r = directory.statistics().directory();
            if (r == DirectoryCheck.Reachability.REACHABLE) {
                lines.add("directory reachable: it answered the last login");
            } else if (r == DirectoryCheck.Reachability.UNREACHABLE) {
                lines.add("directory UNREACHABLE: no server answered the last login");
                problems.add("LDAP: no directory server answered the last login; guarded requests get 503 until one does");
            } else {
                lines.add("directory not asked yet (no login since start or the last change; ldap:test USER checks it)");
            }
        }
        if (s.guarding() || s.accepted() + s.refused() + s.unavailable() + s.unusable() > 0) {
            // The 503s of an unusable configuration are not the directory's: counted apart, so the cause shown is the true one.
            lines.add(String.format("since start: %,d logins accepted, %,d refused, %,d answered 503 (no directory)%s; %,d cached now",
                    s.accepted(), s.refused(), s.unavailable(),
                    s.unusable() > 0 ? String.format(", %,d answered 503 (configuration unusable)", s.unusable()) : "", s.cached()));
        }
        return new Report(lines, problems);
    }
}
