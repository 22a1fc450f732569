package org.gatehouse.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.core.CommandRefused;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ban:list} and {@code ban:remove}: the PIN brute-force bans from the shell. */
@Component(name = "org.gatehouse.shell.ban", service = BanCommands.class, property = {
        "osgi.command.scope=ban",
        "osgi.command.function=list",
        "osgi.command.function=remove"
})
public final class BanCommands {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Reference
    BanList bans;

    static final Usage LIST = new Usage("ban:list",
            "lists the ban rule, the banned addresses (failures, since, expires) and the addresses being counted", 0, 0);

    static final Usage REMOVE = new Usage("ban:remove <address>",
            "lifts the ban on an address and forgets its failed attempts\n"
            + "  address: as ban:list shows it; for an IPv6 group any address in it", 1, 1);

    @Descriptor("list the banned addresses (failures, since, expires) and the addresses with failed PIN attempts counted")
    public void list(Object... arguments) {
        if (LIST.arguments(arguments) != null) {
            System.out.print(listText(bans.bans(), bans.failures(), bans.statistics(), Instant.now()));
        }
    }

    static String listText(List<Ban> banned, List<FailureCount> counted, BanStatistics s, Instant now) {
        StringBuilder out = new StringBuilder(rule(s)).append('\n');
        if (banned.isEmpty()) {
            out.append("No address is banned.\n");
        } else {
            out.append(String.format("%-42s %8s  %-19s  %-19s  %s%n", "banned", "failures", "since", "expires", "left"));
            for (Ban b : banned) {
                out.append(String.format("%-42s %8d  %-19s  %-19s  %s%n", b.address(), b.failures(), TIME.format(b.bannedSince()),
                        TIME.format(b.expires()), left(Duration.between(now, b.expires()))));
            }
            out.append(String.format("%d address%s banned%n", banned.size(), banned.size() == 1 ? "" : "es"));
        }
        if (!counted.isEmpty()) {
            out.append(String.format("%n%-42s %8s  %-19s  %-19s%n", "counting", "failures", "first", "last"));
            for (FailureCount f : counted) {
                out.append(String.format("%-42s %8d  %-19s  %-19s%n", f.address(), f.failures(), TIME.format(f.firstFailure()),
                        TIME.format(f.lastFailure())));
            }
        }
        return out.toString();
    }

    /** The settings in force in one line, as etc/org.gatehouse.ban.cfg names them. */
    static String rule(BanStatistics s) {
        if (!s.enabled()) {
            return "Banning is off (enabled = false in etc/org.gatehouse.ban.cfg).";
        }
        return String.format("%d failed PIN attempts within %d s ban an address%s for %d s%s.", s.maxFailures(),
                s.findTime().toSeconds(), s.ipv6Prefix() < 128 ? " (IPv6: its /" + s.ipv6Prefix() + ")" : "",
                s.banTime().toSeconds(), s.exemptManagementNetworks() ? "; management networks are exempt" : "");
    }

    private static String left(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return s < 3600 ? String.format("%d:%02d", s / 60, s % 60) : String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    @Descriptor("lift the ban on an address (and forget its failed attempts)")
    public void remove(@Descriptor("IP address as ban:list shows it; for an IPv6 group any address in it") Object... arguments) {
        List<String> args = REMOVE.arguments(arguments);
        if (args == null) {
            return;
        }
        String address = args.get(0);
        boolean removed;
        try {
            removed = bans.remove(address);
        } catch (IllegalArgumentException e) {
            // Not an address: the command fails (exit 1 over bin/client).
            throw new CommandRefused("ban:remove: " + e.getMessage(), e);
        }
        if (!removed) {
            // Nothing lifted: a script that meant to let the address in should know (exit 1), as for a typo.
            throw new CommandRefused("ban:remove: " + address + " is neither banned nor counted");
        }
        System.out.println(address + ": ban lifted, failed attempts forgotten.");
    }
}
