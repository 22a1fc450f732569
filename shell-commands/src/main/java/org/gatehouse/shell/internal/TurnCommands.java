package org.gatehouse.shell.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.turn.AllocationInfo;
import org.gatehouse.turn.Draining;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;
import org.gatehouse.turn.TurnUsers;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code turn:users}, {@code turn:allocations}, {@code turn:kill}, {@code turn:stats}, {@code turn:drain}:
 * the TURN relay's users, allocations and counters from the shell, and draining it before an upgrade. {@code turn:user-add} and {@code turn:user-remove}
 * are {@link TurnUserCommand}s: Gogo maps a command name to a method name, and a hyphen cannot be one.
 */
@Component(name = "org.gatehouse.shell.turn", service = TurnCommands.class, property = {
        "osgi.command.scope=turn",
        "osgi.command.function=users",
        "osgi.command.function=allocations",
        "osgi.command.function=kill",
        "osgi.command.function=stats",
        "osgi.command.function=drain"
})
public final class TurnCommands {

    @Reference
    TurnAdmin admin;

    @Reference
    TurnUsers users;

    static final Usage USERS = new Usage("turn:users", "lists the long-term credential users (user@realm) in the user file", 0, 0);

    static final Usage ALLOCATIONS = new Usage("turn:allocations",
            "lists the allocations: client 5-tuple, user, relayed address, age, permissions, channels, traffic", 0, 0);

    static final Usage KILL = new Usage("turn:kill <id>",
            "ends an allocation now (its relay ports close; the client gets 437 on its next request)\n"
            + "  id: the number in the id column of turn:allocations", 1, 1);

    static final Usage STATS = new Usage("turn:stats",
            "shows the TURN counters: allocations, permissions, channels, relayed traffic, refusals", 0, 0);

    static final Usage DRAIN = new Usage("turn:drain [off]",
            "sends new allocations to the alternate-server list (300 Try Alternate) while those relaying go on, before an upgrade\n"
            + "  off: makes new allocations here again\n"
            + "  Stop Gatehouse once turn:stats shows 0 allocations (the log says \"TURN: drained\"): no call is ended.", 0, 1);

    @Descriptor("list the long-term credential users (user@realm) in the user file")
    public void users(Object... arguments) {
        if (USERS.arguments(arguments) == null) {
            return;
        }
        System.out.print(usersText(users.users(), String.valueOf(users.file()), admin.realm()));
    }

    /**
     * The user file's users; a line for another realm than the one in force is marked, as its key was
     * made with that realm and cannot log in (a realm change leaves such lines behind).
     */
    static String usersText(List<String> names, String file, String realm) {
        StringBuilder out = new StringBuilder(String.format("%d user%s in %s%n", names.size(), names.size() == 1 ? "" : "s", file));
        for (String n : names) {
            out.append("  ").append(n);
            if (!n.endsWith("@" + realm)) {
                out.append("   (cannot log in: written for realm ").append(n.substring(n.lastIndexOf('@') + 1))
                        .append(", the realm in force is ").append(realm).append(')');
            }
            out.append(System.lineSeparator());
        }
        return out.toString();
    }

    @Descriptor("list the allocations: client 5-tuple, user, relayed address, age, permissions, channels, traffic")
    public void allocations(Object... arguments) {
        if (ALLOCATIONS.arguments(arguments) != null) {
            System.out.print(allocationsText(admin.allocations()));
        }
    }

    static String allocationsText(List<AllocationInfo> list) {
        if (list.isEmpty()) {
            return "No allocations.\n";
        }
        StringBuilder out = new StringBuilder(String.format("%-6s %-16s %-4s %-24s %-24s %-24s %8s %5s %4s %18s %18s%n", "id", "user",
                "via", "client", "server", "relayed", "age", "perms", "chan", "to peers", "to client"));
        for (AllocationInfo a : list) {
            out.append(String.format("%-6d %-16s %-4s %-24s %-24s %-24s %8s %5d %4d %18s %18s%n", a.id(), shorten(a.user(), 16),
                    a.protocol(), IpAddresses.format(a.client()), a.server() == null ? "-" : IpAddresses.format(a.server()),
                    relayed(a), age(a.age()),
                    a.permissions(), a.channels(), traffic(a.packetsToPeers(), a.bytesToPeers()),
                    traffic(a.packetsToClient(), a.bytesToClient())));
        }
        out.append(String.format("%d allocation%s%n", list.size(), list.size() == 1 ? "" : "s"));
        return out.toString();
    }

    /** Each relayed address, with the local address its socket is bound to where external-ip maps it ({@code (bound 10.40.0.5)}). */
    private static String relayed(AllocationInfo a) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < a.relayed().size(); i++) {
            InetSocketAddress relayed = a.relayed().get(i);
            out.append(out.length() == 0 ? "" : " ").append(IpAddresses.format(relayed));
            InetAddress bound = i < a.bound().size() ? a.bound().get(i).getAddress() : relayed.getAddress();
            if (!bound.equals(relayed.getAddress())) {
                out.append(" (bound ").append(IpAddresses.format(bound)).append(')');
            }
        }
        return out.toString();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "~";
    }

    private static String age(Duration d) {
        long s = d.getSeconds();
        return s < 3600 ? String.format("%d:%02d", s / 60, s % 60) : String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    static String traffic(long packets, long bytes) {
        return String.format("%,d/%s", packets, bytes(bytes));
    }

    static String bytes(long b) {
        if (b < 10_000) {
            return b + " B";
        }
        if (b < 10_000_000) {
            return (b / 1000) + " kB";
        }
        return (b / 1_000_000) + " MB";
    }

    @Descriptor("end an allocation now (its relay ports close; the client gets 437 on its next request)")
    public void kill(@Descriptor("allocation id, as turn:allocations shows it") Object... arguments) {
        List<String> args = KILL.arguments(arguments);
        if (args == null) {
            return;
        }
        String id = args.get(0);
        // Taken as text: Gogo's own refusal of "abc" for a long names its coercion, not the allocation.
        long n;
        try {
            n = Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            throw new CommandRefused("turn:kill: '" + id
                    + "' is not an allocation id (the number in the id column of turn:allocations)");
        }
        if (!admin.kill(n)) {
            // Refused like any other command that cannot do what it was asked (exit 1 over bin/client).
            throw new CommandRefused("turn:kill: no allocation " + n);
        }
        System.out.println("Allocation " + n + " ended.");
    }

    @Descriptor("show the TURN counters: allocations, permissions, channels, relayed traffic, refusals")
    public void stats(Object... arguments) {
        if (STATS.arguments(arguments) != null) {
            TurnStatistics s = admin.statistics();
            System.out.print(statsText(admin.enabled(), admin.configurationProblem(), admin.realm(), s));
            Draining d = admin.draining();
            if (d != null) {
                System.out.print(drainingText(d, s.allocations(), Instant.now()));
            }
        }
    }

    @Descriptor("send new allocations to the alternate-server list while those relaying go on (before an upgrade); off: make them here again")
    public void drain(@Descriptor("off, to make new allocations here again") Object... arguments) {
        List<String> args = DRAIN.arguments(arguments);
        if (args == null) {
            return;
        }
        boolean on = args.isEmpty();
        if (!on && !args.get(0).equals("off")) {
            throw new CommandRefused("turn:drain: '" + args.get(0) + "' is not off; usage: " + DRAIN.synopsis());
        }
        Draining d;
        try {
            d = admin.drain(on);
        } catch (IllegalStateException | UnsupportedOperationException e) {
            throw new CommandRefused("turn:drain: " + e.getMessage());
        }
        String refused = admin.configurationProblem();
        if (refused != null) {
            // Drained on the settings in force, which are not the file's: its alternate-server may not be.
            System.out.println(REFUSED + refused);
        }
        if (d == null) {
            System.out.println("TURN is not draining: new allocations are made here.");
        } else {
            System.out.print(drainingText(d, admin.statistics().allocations(), Instant.now()));
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** What draining means now: since when, where new allocations go, and how many still relay here. */
    static String drainingText(Draining d, int allocations, Instant now) {
        StringBuilder out = new StringBuilder(String.format("Draining        since %s (%s): new Allocate requests are answered ",
                TIME.format(d.since()), age(Duration.between(d.since(), now))));
        if (d.alternates().isEmpty()) {
            out.append("508 Insufficient Capacity (no alternate-server in force)");
        } else {
            out.append("300 Try Alternate to ");
            for (int i = 0; i < d.alternates().size(); i++) {
                InetSocketAddress a = d.alternates().get(i);
                out.append(i == 0 ? "" : ", ").append(a.getPort() == 0 ? IpAddresses.format(a.getAddress()) : IpAddresses.format(a));
            }
        }
        out.append(String.format("; %,d turned away so far%n", d.redirected()));
        out.append(allocations == 0 ? String.format("                drained: no allocation left; stopping Gatehouse now ends no call%n")
                : String.format("                %,d allocation%s still relaying here until their clients end them%n", allocations,
                        allocations == 1 ? "" : "s"));
        return out.toString();
    }

    /** How a configuration file that is refused reads, first, wherever TURN's figures are shown. */
    static final String REFUSED = "Configuration file refused: ";

    /** How TURN being off reads, first, wherever its figures are shown: they would look like a quiet relay. */
    static final String OFF = "TURN is off (enabled = false in etc/org.gatehouse.turn.cfg): STUN only, no allocations are made.";

    static String statsText(boolean enabled, String realm, TurnStatistics s) {
        return statsText(enabled, null, realm, s);
    }

    /**
     * With {@code refused} (the file differs from what is in force: why, and what runs meanwhile)
     * first, as TURN being off is: the figures alone would look like a relay running on the file.
     */
    static String statsText(boolean enabled, String refused, String realm, TurnStatistics s) {
        StringBuilder out = new StringBuilder();
        if (refused != null) {
            out.append(REFUSED).append(refused).append('\n');
        } else if (!enabled) {
            out.append(OFF).append('\n');
        }
        out.append(String.format("Realm           %s%n", realm));
        out.append(String.format("Now             %,d allocations, %,d permissions, %,d channels%n", s.allocations(),
                s.permissions(), s.channels()));
        out.append(String.format("Since start     %,d allocations made, %,d ended%n", s.allocationsCreated(), s.allocationsEnded()));
        out.append(String.format("Relayed         %s packets to peers, %s packets to clients%n",
                traffic(s.packetsToPeers(), s.bytesToPeers()), traffic(s.packetsToClients(), s.bytesToClients())));
        out.append(String.format("Dropped         %,d without permission or channel or to a full socket, %,d over the bandwidth cap%n",
                s.dropped(), s.droppedOverBandwidth()));
        out.append(String.format("Refused         %,d wrong credentials, %,d denied peers, %,d over quota, %,d error answers in all%n",
                s.authFailures(), s.deniedPeers(), s.quotaRejections(), s.errorAnswers()));
        out.append(String.format("Rate limited    %,d unauthenticated answers not sent%n", s.unauthenticatedAnswersLimited()));
        return out.toString();
    }

}
