package org.gatehouse.shell.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.gatehouse.core.CommandRefused;
import org.gatehouse.core.Listener;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.stun.ProbeResult;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code stun:status} and {@code stun:probe}: the STUN responder seen from the shell. */
@Component(name = "org.gatehouse.shell.stun", service = StunCommands.class, property = {
        "osgi.command.scope=stun",
        "osgi.command.function=status",
        "osgi.command.function=probe"
})
public final class StunCommands {

    @Reference
    StunService stun;

    static final Usage STATUS = new Usage("stun:status",
            "shows the STUN listeners, requests and errors per second, and dropped malformed packets", 0, 0);

    static final Usage PROBE = new Usage("stun:probe <host[:port]>",
            "asks a STUN server which address it sees for this host (is there NAT in between?)\n"
            + "  port 3478 when left out; [v6]:port for IPv6", 1, 1);

    @Descriptor("show the STUN listeners, requests and errors per second, and dropped malformed packets")
    public void status(Object... arguments) {
        if (STATUS.arguments(arguments) != null) {
            System.out.print(statusText(stun));
        }
    }

    static String statusText(StunService stun) {
        StringBuilder out = new StringBuilder("STUN listeners\n");
        if (stun.listeners().isEmpty()) {
            out.append("  none (see etc/org.gatehouse.stun.cfg and the log)\n");
        }
        stun.listeners().stream()
                .sorted(Comparator.comparing(Listener::protocol).thenComparing(l -> IpAddresses.format(l.address())))
                .forEach(l -> {
                    out.append(String.format("  %-4s %s", l.protocol(), IpAddresses.format(l.address())));
                    List<InetAddress> each = stun.perAddress(l);
                    if (!each.isEmpty()) {
                        out.append(" (answers from the address asked: ")
                                .append(each.stream().map(IpAddresses::format).collect(java.util.stream.Collectors.joining(", "))).append(')');
                    }
                    out.append(System.lineSeparator());
                });
        StunStatistics s = stun.statistics();
        out.append(String.format("%nLast 10 s       %,.1f Binding requests/s, %,.1f errors/s, %,.1f malformed/s%n",
                s.requestsPerSecond(), s.errorsPerSecond(), s.malformedPerSecond()));
        out.append(String.format("Since start     %,d Binding requests, %,d error answers, %,d keep-alive indications%n",
                s.bindingRequests(), s.errorResponses(), s.indications()));
        out.append(String.format("                %,d malformed packets dropped, %,d unanswerable dropped, %,d answers dropped (send queue full)%n",
                s.malformed(), s.unhandled(), s.answersDropped()));
        out.append(String.format("TURN            %,d requests/indications and %,d ChannelData frames handed on%n",
                s.turnMessages(), s.channelData()));
        return out.toString();
    }

    @Descriptor("ask a STUN server for this host's reflexive (public) address: will a node here learn its NAT address from it?")
    public void probe(@Descriptor("host[:port], port 3478 when left out; [v6]:port for IPv6") Object... arguments)
            throws InterruptedException {
        List<String> args = PROBE.arguments(arguments);
        if (args != null) {
            probe(args.get(0));
        }
    }

    private void probe(String server) throws InterruptedException {
        InetSocketAddress target;
        try {
            target = resolve(server);
        } catch (IllegalArgumentException | UnknownHostException e) {
            throw new CommandRefused("stun:probe: " + e.getMessage(), e);
        }
        try {
            ProbeResult r = stun.probe(target, Duration.ofSeconds(8)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            System.out.print(probeText(r));
        } catch (ExecutionException e) {
            // No reflexive address: the command fails (exit 1 over bin/client).
            throw new CommandRefused("stun:probe: " + reason(e.getCause(), target), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CommandRefused("stun:probe: no answer from " + IpAddresses.format(target), e);
        }
    }

    static InetSocketAddress resolve(String text) throws UnknownHostException {
        String s = text.strip();
        if (s.startsWith("[") || s.chars().filter(c -> c == ':').count() > 1 || s.matches("[0-9.:]+")) {
            ambiguous(s);
            InetSocketAddress a = IpAddresses.parseSocketAddress(s, 3478);
            if (a.getPort() == 0) {
                // The kernel would send nowhere, and the probe would wait its whole 8 s for nothing.
                throw new CommandRefused("'" + text + "': port 0 is no port a server listens on");
            }
            return a;
        }
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? s : s.substring(0, colon);
        int port = 3478;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandRefused("'" + text + "': port is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new CommandRefused("'" + text + "': port " + port + " is out of range");
            }
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /**
     * Refuses an unbracketed IPv6 address that reads as well as an address and a port: {@code ::1:3478}
     * is the address 0:0:0:0:0:0:1:3478, though it was most likely meant as port 3478 of {@code ::1}.
     * The address alone must be quoted in brackets: Gogo hands a lone unquoted {@code [x]} over as x.
     */
    private static void ambiguous(String s) {
        int last = s.lastIndexOf(':');
        if (s.startsWith("[") || last <= 0 || !s.substring(last + 1).matches("[0-9]{1,5}") || s.indexOf(':') == last) {
            return;
        }
        String address = s.substring(0, last);
        try {
            IpAddresses.parse(address);
        } catch (IllegalArgumentException e) {
            return;
        }
        throw new CommandRefused("'" + s + "' is ambiguous: write [" + address + "]:" + s.substring(last + 1)
                + " for port " + s.substring(last + 1) + " of " + address + ", or '[" + s + "]' (quoted) for that address");
    }

    /** Why a probe got no answer, in one line; Netty's unreachable-network exceptions carry no message of their own. */
    static String reason(Throwable e, InetSocketAddress target) {
        if (e instanceof NoRouteToHostException) {
            return "no route from this host to " + IpAddresses.format(target);
        }
        String m = e.getMessage();
        if (m == null || m.startsWith("null")) {
            return e.getClass().getSimpleName() + " sending to " + IpAddresses.format(target);
        }
        return m;
    }

    /**
     * Addresses no one on the Internet reaches: a probe that sees one of them unchanged went to a server on
     * the same side of the NAT, whose answers cannot tell a node its public address.
     */
    private static final AddressSet PRIVATE = AddressSet.parse(List.of("10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10"));

    static String probeText(ProbeResult r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("Server          %s%s%n", IpAddresses.format(r.server()),
                r.software() == null ? "" : " (" + r.software() + ")"));
        out.append(String.format("Reflexive       %s%n", IpAddresses.format(r.reflexive())));
        out.append(String.format("Sent from       %s%n", IpAddresses.format(r.local())));
        out.append(String.format("Round trip      %.1f ms (%d request%s sent)%n", r.roundTrip().toNanos() / 1e6,
                r.requestsSent(), r.requestsSent() == 1 ? "" : "s"));
        if (r.local().equals(r.reflexive()) && PRIVATE.contains(r.reflexive().getAddress())) {
            out.append("The server sees this host's own private address: no NAT in between, so the server is inside\n"
                    + "the NAT and cannot tell a node here its public address: configure a separate STUN server\n"
                    + "on the Internet for the nodes (docs/deployment.md).\n");
        } else if (r.local().equals(r.reflexive())) {
            out.append("The server sees this host's own address: no NAT in between. A node here is reachable at\n"
                    + "its own address and needs no separate STUN server.\n");
        } else {
            out.append("The server sees a translated address: this host is behind NAT, and a node here learns its\n"
                    + "public address from this server.\n");
        }
        return out.toString();
    }
}
