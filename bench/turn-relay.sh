#!/usr/bin/env bash
# TURN relaying: Gatehouse against coturn's turnserver, same load client, same machine, one run,
# loopback only. The load is coturn's own turnutils_uclient relaying through each server to
# turnutils_peer (a UDP echo peer): CLIENTS allocations with a channel each, every client sending
# 1,000 ChannelData messages of LENGTH bytes a second for SECONDS. Prints relayed packets/s, loss,
# round-trip time and server CPU per relayed packet for each server, cores shared and pinned,
# saturated, and held to half a core; then the memory each server takes per allocation with
# ALLOCATIONS allocations held, and per allocation for ALLOCATIONS more; and the ratios
# gatehouse/coturn. Needs a built distribution (mvn -q package -DskipTests) and Debian's coturn.
# usage: bench/turn-relay.sh [SECONDS] [CLIENTS] [LENGTH] [ALLOCATIONS]   (about 8 min with the defaults)
#   ONLY_COTURN=1 measures coturn alone (anchor figures while Gatehouse has no TURN);
#   UCLIENT_FLAGS=-s relays with Send/Data indications instead of channels;
#   WARMUP=15: seconds of the same load on each server before it is measured (0: none);
#   ROUNDS="pinned" (any of shared, pinned, saturated, capped, memory; default all five) runs only those;
#   SATURATE=150: clients in the saturated round (pinned, more load than either server relays on one
#   core, so that relayed packets/s is capacity; the other rounds offer a load both relay in full);
#   CAPPED=60: clients in the capped round (pinned, each server held to CAP=50 % of core 0 by a cpu
#   cgroup, 10 ms period, so that the server, not the load client on its whole core, is what runs out:
#   relayed packets/s is each server's capacity on that share); skipped, with the reason, where no
#   cpu cgroup can be made (not root, or a container without a writable cgroup file system);
#   GATEHOUSE_DIST=folder measures another built distribution (before/after);
#   GATEHOUSE_JAVA_OPTS passes JVM options to Gatehouse (e.g. a GC or -Xlog:gc:file=...);
#   PERF=1 samples each server with perf record over 4 s of its window and prints the share of its CPU
#   in the kernel and in user space (perf's sampling costs CPU: that run's CPU figures include it).
set -euo pipefail
seconds=${1:-10}
clients=${2:-40}
length=${3:-160}
allocations=${4:-1000}
warmup=${WARMUP:-15}
saturate=${SATURATE:-150}
capped=${CAPPED:-60}
cap=${CAP:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${GATEHOUSE_DIST:-$root/distribution/target/gatehouse}
user=bench password=secret realm=gatehouse.test
for tool in turnserver turnutils_uclient turnutils_peer; do
    command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install coturn" >&2; exit 2; }
done
command -v javac >/dev/null && command -v jcmd >/dev/null || { echo "needs a JDK (javac, jcmd)" >&2; exit 2; }
gatehouse=yes
[ "${ONLY_COTURN:-}" = 1 ] && gatehouse=
if [ -n "$gatehouse" ] && [ ! -x "$dist/bin/gatehouse" ]; then
    echo "build first: mvn -q package -DskipTests" >&2; exit 2
fi
[ "$seconds" -ge 7 ] || { echo "SECONDS must be at least 7 (clients start over 5 s; the rest is measured)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cgroup=""
cleanup() {
    local p
    for f in "$work"/*.pid; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -z "$cgroup" ] || rmdir "$cgroup" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A port free for UDP and for TCP on 127.0.0.1 (turnserver listens on both; after bench/proxy.sh
# thousands of TCP ports sit in TIME_WAIT, which a free UDP port alone does not see).
free_port() {
    python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); p = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        t.close(); u.close()
'
}
hz=$(getconf CLK_TCK)
# Relay ports below the ephemeral range, so that relay and client sockets never compete for a port.
coturn_ports=(20000 24999)
gatehouse_ports=(25000 29999)
javac -d "$work/classes" "$root/bench/turn/TurnClient.java"
# The Java TURN client; started directly (not through a shell function) so that $! is its own pid.
turn_client=(java -cp "$work/classes" TurnClient)
ticks() { local st; read -r -a st <"/proc/$1/stat" 2>/dev/null || { echo 0; return; }; echo $((st[13] + st[14])); }
# CPU ticks (user, nice, system) the whole machine spent outside this script's process group, i.e.
# on other work than this benchmark; a run is only a fair comparison when that stays near zero.
pgrp=$(awk '{print $5}' "/proc/$$/stat")
other_ticks() {
    { cat /proc/[0-9]*/stat; head -1 /proc/stat; } 2>/dev/null | awk -v g="$pgrp" '
        /^cpu / { total = $2 + $3 + $4; next } { sub(/^.*\) /, ""); if ($3 == g) ours += $12 + $13 } END { print total - ours }'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The capped round's cpu cgroup: CAP % of one core every 10 ms (cgroup v1's cpu controller or v2's
# cpu.max). Sets cgroup and writes $work/in-cgroup, which starts a command inside it; or says why not
# and returns 1.
make_cgroup() {
    local period=10000 v1=/sys/fs/cgroup/cpu v2=/sys/fs/cgroup
    local quota=$((period * cap / 100))
    if [ -f "$v1/cpu.cfs_quota_us" ]; then
        cgroup=$v1/gatehouse-bench-$$
        mkdir "$cgroup" 2>/dev/null && echo "$period" >"$cgroup/cpu.cfs_period_us" && echo "$quota" >"$cgroup/cpu.cfs_quota_us" ||
            { echo "cannot make a cpu cgroup under $v1 (not root?)"; cgroup=""; return 1; }
    elif grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
        cgroup=$v2/gatehouse-bench-$$
        { grep -qw cpu "$v2/cgroup.subtree_control" || echo +cpu >"$v2/cgroup.subtree_control"; } 2>/dev/null &&
            mkdir "$cgroup" 2>/dev/null && echo "$quota $period" >"$cgroup/cpu.max" ||
            { echo "cannot make a cgroup v2 with the cpu controller under $v2 (not root, or a container?)"; cgroup=""; return 1; }
    else
        echo "no cpu cgroup controller mounted under /sys/fs/cgroup"; return 1
    fi
    printf '#!/bin/sh\necho $$ >"%s/cgroup.procs" && exec "$@"\n' "$cgroup" >"$work/in-cgroup"
    chmod +x "$work/in-cgroup"
}

# Starts turnserver on 127.0.0.1:$1 (on $server_cpu; one relay thread when pinned); sets spid.
start_coturn() {
    local threads=()
    [ "$mode" = pinned ] && threads=(--relay-threads=1)
    $server_cpu turnserver -n --no-cli --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$1" \
        --min-port="${coturn_ports[0]}" --max-port="${coturn_ports[1]}" --realm="$realm" --user="$user:$password" \
        --lt-cred-mech --allow-loopback-peers --no-tls --no-dtls "${threads[@]}" \
        --log-file=stdout --simple-log --pidfile="$work/turnserver.pidfile" >"$work/coturn.out" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    if ! $client_cpu "${turn_client[@]}" check "127.0.0.1:$1" "127.0.0.1:$peer_port" "$user" "$password" 5 >/dev/null 2>"$work/check.err"; then
        echo "coturn did not relay: $(cat "$work/check.err")" >&2; tail -20 "$work/coturn.out" >&2; exit 1
    fi
}

# Starts a copy of the distribution with STUN on 127.0.0.1:$1 and TURN relaying to 127.0.0.1 only
# (one I/O thread when pinned); sets spid. Fails, and says why, unless it relays within 3 s.
start_gatehouse() {
    local g=$work/gatehouse key
    # One copy for every start (cp -a keeps lib/ as it is, so its class-data sharing archive applies).
    [ -d "$g" ] || cp -a "$dist" "$g"
    rm -rf "$g/data/cache" "$g/data/log"
    cp "$dist/etc/org.gatehouse.core.cfg" "$g/etc/"
    # No TLS listener (it would default to 0.0.0.0:5349): loopback only, and uclient speaks UDP here.
    printf 'listen = 127.0.0.1:%s\ntcp = true\ntls-listen =\n' "$1" >"$g/etc/org.gatehouse.stun.cfg"
    sed -i -e 's/^https-listen *=.*/https-listen =/' -e 's/^http-listen *=.*/http-listen =/' "$g/etc/org.gatehouse.tls.cfg"
    # The metrics and status listener on an ephemeral loopback port, not the shipped 127.0.0.1:9090.
    printf 'listen = 127.0.0.1:0\n' >"$g/etc/org.gatehouse.status.cfg"
    printf 'listen =\n' >"$g/etc/org.gatehouse.ssh.cfg"
    printf 'realm = %s\nuserdb = etc/turn-users\nrelay-ip = 127.0.0.1\nallowed-peer-ip = 127.0.0.1\nmin-port = %s\nmax-port = %s\nuser-quota = 0\ntotal-quota = 0\n' \
        "$realm" "${gatehouse_ports[0]}" "${gatehouse_ports[1]}" >"$g/etc/org.gatehouse.turn.cfg"
    # The long-term key MD5(user:realm:password), what `turnadmin -k -u bench -r gatehouse.test -p secret`
    # prints (turnadmin itself would leave a log file in /var/log).
    key=$(printf '%s' "$user:$realm:$password" | md5sum | cut -d' ' -f1)
    echo "$user:0x$key" >"$g/etc/turn-users"
    if [ "$mode" = pinned ]; then
        sed -i "s/^io-threads = .*/io-threads = 1/" "$g/etc/org.gatehouse.core.cfg"
    fi
    JAVA_OPTS="${GATEHOUSE_JAVA_OPTS:-}" $server_cpu "$g/bin/gatehouse" --no-console >"$work/gatehouse.out" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 1 150); do grep -q ' started in ' "$work/gatehouse.out" && break; sleep 0.1; done
    if ! grep -q ' started in ' "$work/gatehouse.out"; then
        echo "gatehouse did not start within 15 s:" >&2; tail -20 "$work/gatehouse.out" >&2; exit 1
    fi
    if ! $client_cpu "${turn_client[@]}" check "127.0.0.1:$1" "127.0.0.1:$peer_port" "$user" "$password" 3 >/dev/null 2>"$work/check.err"; then
        echo "gatehouse does not relay TURN on 127.0.0.1:$1: $(cat "$work/check.err")" >&2
        echo "(is the TURN bundle in the distribution? etc/org.gatehouse.turn.cfg was:)" >&2
        sed 's/^/    /' "$g/etc/org.gatehouse.turn.cfg" >&2
        echo "last lines of its output:" >&2; tail -20 "$work/gatehouse.out" >&2
        exit 1
    fi
}

# Drives the server at 127.0.0.1:$2 (pid $3) with turnutils_uclient and prints one line:
#   relayed_pkt_per_s offered_pkt_per_s loss_pct rtt_avg_ms rtt_max_ms cpu_us_per_pkt probe_p50_us probe_p99_us
#   other_cpu_pct (CPU the rest of the machine used meanwhile, in % of one core)
# uclient starts each client 1 to 6 s after it has connected them all, so the rates and the CPU time
# are taken from its once-a-second totals between "all clients sending" (connect + 6 s) and "none
# finished yet" (connect + 1 s + SECONDS), each line stamped on arrival with the server's CPU ticks.
# Loss and uclient's round-trip time are its totals for the whole run. A Java probe, started with the
# load, times 200 channel echoes a second through the same server over that window in microseconds
# (uclient's own round-trip clock ticks in whole milliseconds).
measure() {
    local name=$1 port=$2 spid=$3 out=$work/$1-$label.uclient limit=$((clients / 10 + seconds + 40))
    # shellcheck disable=SC2086
    $client_cpu timeout --foreground "$limit" turnutils_uclient -u "$user" -w "$password" -p "$port" -e 127.0.0.1 -r "$peer_port" \
        -c -m "$clients" -n "$((seconds * 1000))" -z 1 -l "$length" ${UCLIENT_FLAGS:-} 127.0.0.1 2>&1 </dev/null |
        while IFS= read -r line; do
            printf '%s %s %s %s\n' "$EPOCHREALTIME" "$(ticks "$spid")" "$(other_ticks)" "$line"
            if [ -n "${connected:-}" ]; then
                # Socket drop counters near the window's start and end (uclient reports once a second).
                elapsed=$(( ${EPOCHREALTIME/./} / 1000 - connected ))
                if [ ! -f "$out.ss0" ] && [ "$elapsed" -ge 6000 ]; then
                    { echo "$EPOCHREALTIME"; ss -uamnp; } >"$out.ss0" 2>/dev/null
                    # PERF=1: where the server's CPU goes over 4 s of the window (kernel or its own code).
                    if [ -n "${PERF:-}" ]; then
                        perf record -q -F 999 -p "$spid" -o "$out.perf" -- sleep 4 >/dev/null 2>&1 </dev/null &
                    fi
                fi
                [ -f "$out.ss1" ] || [ "$elapsed" -lt $((seconds * 1000)) ] || { echo "$EPOCHREALTIME"; ss -uamnp; } >"$out.ss1" 2>/dev/null
            fi
            if [ ! -f "$out.probe.pid" ] && [[ $line == *'Total connect time'* ]]; then
                now=${EPOCHREALTIME/./}
                now=$((now / 1000))
                connected=$now
                $client_cpu "${turn_client[@]}" ping "127.0.0.1:$port" "127.0.0.1:$peer_port" "$user" "$password" $((now + 6000)) \
                    $((now + 1000 + seconds * 1000)) 200 "$length" >"$out.probe" 2>&1 &
                echo $! >"$out.probe.pid"
            fi
        done >"$out" || true
    if [ -f "$out.probe.pid" ]; then
        local ppid
        ppid=$(cat "$out.probe.pid")
        for _ in $(seq 1 50); do kill -0 "$ppid" 2>/dev/null || break; sleep 0.1; done
        kill "$ppid" 2>/dev/null || true
        rm -f "$out.probe.pid"
    fi
    if ! grep -q 'Total lost packets' "$out"; then
        echo "$name: turnutils_uclient did not finish within $limit s; its last lines:" >&2
        tail -5 "$out" | cut -d' ' -f4- >&2
        exit 1
    fi
    read -r p50 p99 <<<"$(awk 'NF == 5 && $2 > 0 {p = $3 " " $4} END {print p ? p : "- -"}' "$out.probe" 2>/dev/null || echo "- -")"
    awk -v d="$seconds" -v hz="$hz" -v p50="$p50" -v p99="$p99" -v name="$name" '
        function val(key) { return match($0, key "[0-9]+") ? substr($0, RSTART + length(key), RLENGTH - length(key)) + 0 : -1 }
        / Total connect time / && !c { c = $1 }
        /start_mclient: msz=/ && c {
            if (!a && $1 >= c + 6) { a = 1; ta = $1; ka = $2; oa = $3; sa = val("tot_send_msgs="); ra = val("tot_recv_msgs=") }
            if ($1 <= c + 1 + d) { tb = $1; kb = $2; ob = $3; sb = val("tot_send_msgs="); rb = val("tot_recv_msgs=") }
        }
        /Total lost packets/ { match($0, /\([0-9.]+%/); loss = substr($0, RSTART + 1, RLENGTH - 2) + 0 }
        /Average round trip delay/ { match($0, /delay [0-9.]+/); avg = substr($0, RSTART + 6, RLENGTH - 6) + 0
                                     match($0, /max = [0-9]+/); max = substr($0, RSTART + 6, RLENGTH - 6) + 0 }
        END {
            if (!a || tb <= ta + 0.5 || rb <= ra) { print name ": no steady window in the uclient output" > "/dev/stderr"; exit 1 }
            other = (ob - oa) / hz / (tb - ta) * 100
            printf "%.0f %.0f %.3f %.3f %d %.2f %s %s %.0f\n", 2 * (rb - ra) / (tb - ta), 2 * (sb - sa) / (tb - ta),
                loss, avg, max, (kb - ka) * 1e6 / hz / (2 * (rb - ra)), p50, p99, other < 0 ? 0 : other
        }' "$out"
}

# Where datagrams were dropped over the window of measure() for the server $1 (pid $2, listening on
# port $3): the growth of each UDP socket's drop counter (ss -m: its receive queue was full) between
# the two snapshots measure() took, per second, summed by owner: the server's listener socket(s), its
# relay sockets, the echo peer, uclient's client sockets. Prints one line, or nothing without ss.
drops() {
    local out=$work/$1-$label.uclient
    command -v ss >/dev/null && [ -s "$out.ss0" ] && [ -s "$out.ss1" ] || return 0
    awk -v pid="$2" -v port="$3" '
        FNR == 1 { t[FILENAME] = $1; next }
        /^UNCONN|^ESTAB/ {
            key = $4 " " $NF; n = split($4, a, ":"); p = a[n]; owner = ""
            if (index($NF, "pid=" pid ",")) owner = p == port ? "listener" : "relay"
            else if (index($NF, "\"turnutils_peer\"")) owner = "peer"
            else if (index($NF, "\"turnutils_uclie")) owner = "clients"
            getline
            if (owner == "" || !match($0, /d[0-9]+\)/)) next
            d = substr($0, RSTART + 1, RLENGTH - 2) + 0
            if (FILENAME == ARGV[1]) { before[key] = d } else if (key in before) { sum[owner] += d - before[key]; if (d > before[key]) hit[owner]++ }
        }
        END {
            s = t[ARGV[2]] - t[ARGV[1]]
            if (s <= 0) exit
            printf "  %-10s kernel drops/s (receive queue full): listener %.0f, relay sockets %.0f (%d dropping), echo peer %.0f, clients %.0f\n",
                "", sum["listener"] / s, sum["relay"] / s, hit["relay"], sum["peer"] / s, sum["clients"] / s
        }' "$out.ss0" "$out.ss1"
}

# With PERF=1: the share of the server's CPU samples (perf record over 4 s of the window) spent in the
# kernel and in user space, from perf report's per-object totals. Prints one line, or nothing.
cpu_split() {
    local out=$work/$1-$label.uclient
    [ -n "${PERF:-}" ] || return 0
    for _ in $(seq 1 50); do [ -s "$out.perf" ] && ! pgrep -f "perf record.*$out.perf" >/dev/null && break; sleep 0.1; done
    [ -s "$out.perf" ] || { printf '  %-10s perf: no samples (perf record failed: perf_event_paranoid?)\n' ""; return 0; }
    perf report -i "$out.perf" --sort dso --stdio 2>/dev/null | awk '
        /^ +[0-9.]+%/ { p = $1 + 0; if ($2 ~ /kernel/) k += p; else { u += p; if (p >= 1) top = top sprintf(", %s %.1f%%", $2, p) } }
        END { if (k + u > 0) printf "  %-10s CPU samples: kernel %.1f%%, user space %.1f%%%s\n", "", k, u, top }'
}

# The same load as measure() for WARMUP seconds, not measured: a server is measured as it runs for days,
# not in its first seconds (the JVM compiles its hot code and collects the garbage of starting up in
# them). Both servers get it.
warm() {
    [ "$warmup" -gt 0 ] || return 0
    # shellcheck disable=SC2086
    $client_cpu timeout --foreground $((clients / 10 + warmup + 30)) turnutils_uclient -u "$user" -w "$password" -p "$1" \
        -e 127.0.0.1 -r "$peer_port" -c -m "$clients" -n "$((warmup * 1000))" -z 1 -l "$length" ${UCLIENT_FLAGS:-} 127.0.0.1 \
        >/dev/null 2>&1 </dev/null || true
}

row() { printf '  %-10s %14s %14s %8s %13s %15s %11s %8s\n' "$@"; }

# One round: a fresh echo peer, then coturn started, measured, stopped, then Gatehouse the same way.
#   shared: servers, peer and load client share all cores (Gatehouse with its default I/O threads)
#   pinned: each server alone on core 0 (Gatehouse io-threads = 1, coturn --relay-threads=1), peer and
#           load client on core 1
round() {
    # label names the round's files: the saturated round is pinned too, and once shared the pinned
    # round's names, so its drops line read the pinned window's socket snapshots.
    mode=$1 label=${2:-$1} server_cpu="" client_cpu=""
    if [ "$mode" = pinned ]; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
    [ "$label" != capped ] || server_cpu="$work/in-cgroup taskset -c 0"
    local port c g g_other=""
    peer_port=$(free_port)
    $client_cpu turnutils_peer -L 127.0.0.1 -p "$peer_port" >/dev/null 2>&1 </dev/null &
    local peer=$!
    pids+=("$peer")
    echo
    if [ "$label" = saturated ]; then
        echo "saturated: pinned as above, $clients clients offering more than either server relays on its core:"
        echo "relayed pkt/s is each server's capacity (both lose packets; loss is what was offered beyond it)"
    elif [ "$label" = capped ]; then
        echo "capped: pinned as above, each server held to $cap% of core 0 (cpu cgroup, 10 ms period), $clients clients:"
        echo "the server runs out before the load client on its whole core does; relayed pkt/s is its capacity on that share"
    elif [ "$mode" = pinned ]; then
        echo "pinned: each server alone on core 0 (Gatehouse io-threads = 1, coturn --relay-threads=1), uclient and peer on core 1"
    else
        echo "shared: servers, uclient and peer share all $(nproc) cores (Gatehouse io-threads = one per core, coturn its default threads)"
    fi
    row server "relayed pkt/s" "offered pkt/s" "loss %" "RTT avg/max" "probe RTT p50" "server CPU" "other"
    row "" "" "" "" "ms (uclient)" "/p99 us" "us/pkt" "CPU %"
    port=$(free_port)
    start_coturn "$port"
    warm "$port"
    c=$(measure coturn "$port" "$spid")
    stop "$spid"
    read -r c_pps c_off c_loss c_rtt c_max c_cpu c_p50 c_p99 c_other <<<"$c"
    row coturn "$c_pps" "$c_off" "$c_loss" "$c_rtt/$c_max" "$c_p50/$c_p99" "$c_cpu" "$c_other"
    drops coturn "$spid" "$port"
    cpu_split coturn
    if [ -n "$gatehouse" ]; then
        port=$(free_port)
        start_gatehouse "$port"
        warm "$port"
        g=$(measure gatehouse "$port" "$spid")
        stop "$spid"
        read -r g_pps g_off g_loss g_rtt g_max g_cpu g_p50 g_p99 g_other <<<"$g"
        row gatehouse "$g_pps" "$g_off" "$g_loss" "$g_rtt/$g_max" "$g_p50/$g_p99" "$g_cpu" "$g_other"
        drops gatehouse "$spid" "$port"
        cpu_split gatehouse
        awk -v gp="$g_pps" -v cp="$c_pps" -v gl="$g_loss" -v cl="$c_loss" -v gr="$g_p50" -v cr="$c_p50" \
            -v gq="$g_p99" -v cq="$c_p99" -v gu="$g_rtt" -v cu="$c_rtt" -v gc="$g_cpu" -v cc="$c_cpu" '
            function ratio(g, c) { return g == "-" || c == "-" ? "-" : c > 0 ? sprintf("%.2fx", g / c) : g > 0 ? "inf" : "1.00x (both 0)" }
            BEGIN { printf "  ratio gatehouse/coturn: %s packets/s, %s loss, %s CPU per packet; RTT %s p50, %s p99 (probe), %s avg (uclient)\n",
                ratio(gp, cp), ratio(gl, cl), ratio(gc, cc), ratio(gr, cr), ratio(gq, cq), ratio(gu, cu) }'
    fi
    awk -v c="$c_other" -v g="${g_other:-0}" 'BEGIN { m = c > g ? c : g; if (m > 20)
        printf "  note: other processes used up to %d%% of a core meanwhile: these figures are not a fair comparison\n", m }'
    stop "$peer"
}

# Memory per allocation: each server started afresh, one allocation with a channel echo made and
# released (warm-up), its memory read; then $allocations allocations held by one client (one UDP
# socket each) and its memory read again; then $allocations more, held by a second client, and its
# memory read a third time. coturn: resident set (VmRSS). Gatehouse: live heap after a full GC (jcmd
# GC.class_histogram) and resident set. The first batch's resident-set growth also holds what a
# fresh process touches once (a JVM's young generation filled for the first time by the set-up
# garbage); the second batch's is nearer what one more allocation costs, though a JVM's resident set
# still moves with its heap sizing (the live heap does not).
memory() {
    mode=shared server_cpu="" client_cpu=""
    local port c1 c2
    peer_port=$(free_port)
    turnutils_peer -L 127.0.0.1 -p "$peer_port" >/dev/null 2>&1 </dev/null &
    local peer=$!
    pids+=("$peer")
    echo
    echo "memory: $allocations allocations held by one client (one UDP socket and allocation each, no traffic), then $allocations more by a second"
    printf '  %-16s %8s %8s %13s %13s %9s %13s %13s %9s\n' server held "in s" "RSS before" "RSS with" "KB/alloc" \
        "heap before" "heap with" "KB/alloc"
    port=$(free_port)
    start_coturn "$port"
    sleep 0.5
    batches coturn "$port"
    stop "$spid"
    c1=${kb[1]} c2=${kb[2]}
    if [ -n "$gatehouse" ]; then
        port=$(free_port)
        start_gatehouse "$port"
        batches gatehouse "$port" heap
        stop "$spid"
        awk -v g1="${kb[1]}" -v g2="${kb[2]}" -v h1="${hk[1]}" -v h2="${hk[2]}" -v c1="$c1" -v c2="$c2" 'BEGIN {
            printf "  ratio gatehouse/coturn per allocation, first batch: %.2fx RSS, %.2fx (Gatehouse live heap against coturn RSS)\n",
                g1 / c1, h1 / c1
            if (c2 > 0) printf "  ratio gatehouse/coturn per allocation, next batch:  %.2fx RSS, %.2fx (Gatehouse live heap against coturn RSS)\n",
                g2 / c2, h2 / c2 }'
    fi
    stop "$peer"
}

# Two batches of $allocations held on server $1 at 127.0.0.1:$2 (pid $spid), each by a client of its
# own, the first still holding while the second is made; a row printed for each. With $3 = heap (a
# JVM) its live heap is read too, before its resident set. Sets kb[1], kb[2] (resident set growth per
# allocation, KB) and hk[1], hk[2] (live heap growth, KB; empty without heap).
batches() {
    local name=$1 port=$2 heap=${3:-} first i what heap_cols rss=() live=() n=() secs=()
    [ -z "$heap" ] || live[0]=$(live_heap "$spid")
    rss[0]=$(rss_kb "$spid")
    for i in 1 2; do
        hold "$port" "$i"
        [ "$i" = 2 ] || first=$hold_pid
        n[i]=$held secs[i]=$held_s
        [ -z "$heap" ] || live[i]=$(live_heap "$spid")
        rss[i]=$(rss_kb "$spid")
    done
    stop "$hold_pid"
    stop "$first"
    kb=() hk=()
    for i in 1 2; do
        kb[i]=$(awk -v a="${rss[i]}" -v b="${rss[i - 1]}" -v n="${n[i]}" 'BEGIN {printf "%.1f", (a - b) / n}')
        what=$name heap_cols=("-" "-" "-")
        [ "$i" = 1 ] || what="$name, next"
        if [ -n "$heap" ]; then
            hk[i]=$(awk -v a="${live[i]}" -v b="${live[i - 1]}" -v n="${n[i]}" 'BEGIN {printf "%.1f", (a - b) / 1024 / n}')
            heap_cols=("$((live[i - 1] / 1024)) KB" "$((live[i] / 1024)) KB" "${hk[i]}")
        fi
        printf '  %-16s %8s %8s %10s KB %10s KB %9s %13s %13s %9s\n' "$what" "${n[i]}" "${secs[i]}" "${rss[i - 1]}" "${rss[i]}" \
            "${kb[i]}" "${heap_cols[@]}"
    done
}

# Holds $allocations allocations on the server at 127.0.0.1:$1 with a client of its own (output file
# hold$2.out, so a second one can join the first); sets held, held_s and hold_pid.
hold() {
    local out=$work/hold${2:-}.out
    $client_cpu "${turn_client[@]}" hold "127.0.0.1:$1" "$user" "$password" "$allocations" 180 >"$out" 2>&1 &
    hold_pid=$!
    pids+=("$hold_pid")
    for _ in $(seq 1 600); do grep -q '^held ' "$out" && break; kill -0 "$hold_pid" 2>/dev/null || break; sleep 0.1; done
    held=$(awk '/^held / {print $2}' "$out")
    held_s=$(awk '/^held / {printf "%.1f", $5 / 1000}' "$out")
    if [ -z "$held" ] || [ "$held" -eq 0 ]; then
        echo "the hold client held no allocation within 60 s:" >&2; cat "$out" >&2; exit 1
    fi
    grep -q '^first error' "$out" && sed 's/^/  (hold client) /' "$out" | grep -v '^  (hold client) held' >&2
    sleep 1
}

# Bytes of live objects in the JVM $1: GC.class_histogram runs a full GC first and sums what survives.
live_heap() { timeout 60 jcmd "$1" GC.class_histogram | awk '$1 == "Total" {print $3}'; }

method="ChannelData over a channel"
[[ " ${UCLIENT_FLAGS:-} " == *" -s "* ]] && method="Send and Data indications"
echo "TURN relaying over UDP on loopback: $clients clients (one allocation each, $method) x 1,000 messages/s of $length bytes"
echo "for $seconds s each, through the server to an echo peer (turnutils_uclient -c -m $clients -n $((seconds * 1000)) -z 1 -l $length ${UCLIENT_FLAGS:-}),"
echo "measured over the $((seconds - 5)) s in which every client is sending. A relayed packet is one datagram passed on"
echo "(client to peer or peer to client); each echo is two. Loss and uclient's RTT cover the whole run."
[ -n "$gatehouse" ] || echo "ONLY_COTURN=1: Gatehouse not measured"
# A pinned round named $2 with $1 clients instead of CLIENTS.
round_with() {
    local load=$clients
    clients=$1
    round pinned "$2"
    clients=$load
}

for part in ${ROUNDS:-shared pinned saturated capped memory}; do
    case $part in
        shared | pinned) round "$part" ;;
        saturated) round_with "$saturate" saturated ;;
        capped)
            if [ -n "$cgroup" ] || make_cgroup >"$work/cgroup.why"; then
                round_with "$capped" capped
            else
                echo; echo "capped: skipped: $(cat "$work/cgroup.why")"
            fi
            ;;
        memory) memory ;;
        *) echo "unknown part in ROUNDS: $part (shared, pinned, saturated, capped, memory)" >&2; exit 2 ;;
    esac
done
