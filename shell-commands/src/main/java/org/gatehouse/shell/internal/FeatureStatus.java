package org.gatehouse.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.ServerCertificates;
import org.gatehouse.turn.TurnAdmin;
import org.gatehouse.turn.TurnStatistics;
import org.gatehouse.turn.TurnUsers;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code gatehouse:status} blocks of the optional features. */
final class FeatureStatus {

    private FeatureStatus() {
    }

    /**
     * The certificate every TLS listener serves: who it is for, how long it has left, the engine. A
     * refused file and an expiry within 21 days are Problems the TLS bundle states itself, listed under
     * Problems once: not again from here.
     */
    @Component(name = "org.gatehouse.shell.status.tls", service = StatusSection.class)
    public static final class Tls implements StatusSection {

        @Reference
        ServerCertificates certificates;

        @Override
        public String title() {
            return "Certificate";
        }

        @Override
        public Report report() {
            CertificateInfo c = certificates.current();
            long days = Duration.between(Instant.now(), c.notAfter()).toDays();
            List<String> lines = new ArrayList<>();
            lines.add(String.format("%s%s, %d days left (until %s)", c.subject(), c.selfSigned() ? " (self-signed)" : "", days,
                    c.notAfter()));
            lines.add("names " + c.namesText() + "; engine " + certificates.engine());
            if (certificates.problem().isPresent()) {
                lines.add("configured file refused, another certificate serves in its place (see Problems)");
            }
            c.warnings().stream().filter(w -> !w.startsWith("the certificate expires")).forEach(w -> lines.add("warning: " + w));
            return new Report(lines, List.of());
        }
    }

    /** TURN at a glance: realm, users, allocations and what was refused. */
    @Component(name = "org.gatehouse.shell.status.turn", service = StatusSection.class)
    public static final class Turn implements StatusSection {

        @Reference
        TurnAdmin admin;

        @Reference
        TurnUsers users;

        @Override
        public String title() {
            return "TURN";
        }

        @Override
        public Report report() {
            TurnStatistics s = admin.statistics();
            List<String> lines = new ArrayList<>();
            String refused = admin.configurationProblem();
            if (refused != null) {
                // Listed under Problems too (the TURN bundle registers it); here beside what it concerns.
                lines.add(TurnCommands.REFUSED + refused);
            } else if (!admin.enabled()) {
                lines.add(TurnCommands.OFF);
            }
            if (refused == null || admin.enabled()) {
                // Refused at start, no realm is in force: no users line that would name one.
                lines.add(usersLine(admin.realm(), users.usersInRealm(), users.linesForOtherRealms(), users.file().toString()));
            }
            lines.add(String.format("%,d allocations, %,d permissions, %,d channels; %,d packets relayed to peers, %,d to clients",
                    s.allocations(), s.permissions(), s.channels(), s.packetsToPeers(), s.packetsToClients()));
            lines.add(String.format("refused since start: %,d wrong credentials, %,d denied peers, %,d over quota",
                    s.authFailures(), s.deniedPeers(), s.quotaRejections()));
            org.gatehouse.turn.Draining d = admin.draining();
            if (d != null) {
                // Right after what it concerns: new allocations go elsewhere, and how many still hold the server.
                lines.addAll(TurnCommands.drainingText(d, s.allocations(), java.time.Instant.now()).strip().lines()
                        .map(String::strip).map(l -> l.replaceFirst("^Draining +", "draining ")).toList());
            }
            return new Report(lines, List.of());
        }

        /**
         * The users who can log in in the realm in force; lines for other realms are counted apart,
         * since their keys are made with their realm and cannot match (after a realm change, say).
         */
        static String usersLine(String realm, int users, SortedMap<String, Integer> otherRealms, String file) {
            int others = otherRealms.values().stream().mapToInt(Integer::intValue).sum();
            return String.format("realm %s, %d user%s in %s%s", realm, users, users == 1 ? "" : "s", file, others == 0 ? ""
                    : String.format("; %d line%s for other realms (%s) not usable in it", others, others == 1 ? "" : "s",
                            String.join(", ", otherRealms.keySet())));
        }
    }

    /** The reverse proxy: each pool's nodes up and down. */
    @Component(name = "org.gatehouse.shell.status.proxy", service = StatusSection.class)
    public static final class Proxy implements StatusSection {

        @Reference
        Pools pools;

        @Override
        public String title() {
            return "Proxy";
        }

        @Override
        public Report report() {
            List<String> lines = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (PoolStatus p : pools.pools()) {
                if (!p.serving()) {
                    // The pool reports the refusal itself as a Problem (with the file and key).
                    lines.add(String.format("pool %s (%s): its file is refused, %s", p.name(), String.join(" ", p.routes()),
                            p.routes().isEmpty() ? "it serves nothing" : "its routes answer 503"));
                    continue;
                }
                long up = p.nodes().stream().filter(n -> n.state().equals("up")).count();
                long streams = p.nodes().stream().mapToLong(NodeStatus::openStreams).sum();
                List<String> down = p.nodes().stream().filter(n -> n.state().equals("down")).map(NodeStatus::address).toList();
                lines.add(String.format("pool %s (%s): %d of %d node%s up, %,d open stream%s%s", p.name(), String.join(" ", p.routes()), up,
                        p.nodes().size(), p.nodes().size() == 1 ? "" : "s", streams, streams == 1 ? "" : "s",
                        down.isEmpty() ? "" : "; down: " + String.join(", ", down)));
                if (p.refused() != null) {
                    lines.add("  its file is refused: running on its previous settings (see Problems)");
                }
                if (p.nodes().isEmpty()) {
                    // A fresh installation: not a fault, but the operator should know what clients get.
                    lines.add("  no nodes yet: its routes answer 503 (proxy:node-add " + p.name() + " host:port)");
                } else if (up == 0) {
                    problems.add("pool " + p.name() + ": no node is up, requests get 502");
                }
            }
            if (lines.isEmpty()) {
                lines.add("no pools configured");
            }
            return new Report(lines, problems);
        }
    }

    /** The PIN brute-force ban: the rule in force and how many addresses are banned. */
    @Component(name = "org.gatehouse.shell.status.ban", service = StatusSection.class)
    public static final class Bans implements StatusSection {

        @Reference
        BanList bans;

        @Override
        public String title() {
            return "PIN ban";
        }

        @Override
        public Report report() {
            BanStatistics s = bans.statistics();
            List<String> lines = new ArrayList<>();
            lines.add(BanCommands.rule(s));
            lines.add(String.format("%,d banned, %,d counting; since start %,d bans, %,d requests refused (429)", s.banned(),
                    s.counting(), s.bansSinceStart(), s.refusedSinceStart()));
            return new Report(lines, List.of());
        }
    }
}
