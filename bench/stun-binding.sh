#!/usr/bin/env bash
# STUN Binding throughput: Gatehouse against coturn's turnserver (--stun-only), same load client,
# same machine, one run, loopback only. Prints answers/s, lost requests and server CPU per answer
# for each, and the ratios. Needs a built distribution (mvn -q package -DskipTests) and Debian's coturn.
# usage: bench/stun-binding.sh [SECONDS] [SOCKETS] [WINDOW]   (about 4 x (SECONDS + 6) s)
set -euo pipefail
seconds=${1:-10}
sockets=${2:-8}
window=${3:-32}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$root/distribution/target/gatehouse
command -v turnserver >/dev/null || { echo "turnserver not found: apt-get install coturn" >&2; exit 2; }
[ -x "$dist/bin/gatehouse" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One round: both servers started afresh, coturn measured first, then Gatehouse, same load client.
#   $1 = shared: servers and load client share both cores (Gatehouse with its default I/O threads)
#   $1 = pinned: each server on core 0 alone (Gatehouse with one I/O thread), the load client on core 1
round() {
    local mode=$1 server_cpu="" client_cpu="" gport cport gpid cpid
    if [ "$mode" = pinned ]; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
    gport=$(free_port)
    cport=$(free_port)
    rm -rf "$work/gatehouse"
    cp -r "$dist" "$work/gatehouse"
    rm -rf "$work/gatehouse/data/cache" "$work/gatehouse/data/log"
    printf 'listen = 127.0.0.1:%s\ntcp = false\ntls-listen =\n' "$gport" > "$work/gatehouse/etc/org.gatehouse.stun.cfg"
    sed -i -e 's/^https-listen *=.*/https-listen =/' -e 's/^http-listen *=.*/http-listen =/' "$work/gatehouse/etc/org.gatehouse.tls.cfg"
    printf 'listen = 127.0.0.1:0\n' > "$work/gatehouse/etc/org.gatehouse.status.cfg"
    sed -i 's/^listen *=.*/listen =/' "$work/gatehouse/etc/org.gatehouse.ssh.cfg"
    if [ "$mode" = pinned ]; then
        sed -i "s/^io-threads = .*/io-threads = 1/" "$work/gatehouse/etc/org.gatehouse.core.cfg"
    fi
    JAVA_OPTS="${GATEHOUSE_JAVA_OPTS:-}" $server_cpu "$work/gatehouse/bin/gatehouse" --no-console \
        >"$work/gatehouse.out" 2>&1 </dev/null &
    gpid=$!
    pids+=("$gpid")
    $server_cpu turnserver --stun-only -n --no-cli --listening-ip=127.0.0.1 --listening-port="$cport" --no-tls \
        --no-dtls --no-tcp --log-file=stdout --simple-log --pidfile="$work/turnserver.pid" >"$work/coturn.out" 2>&1 &
    cpid=$!
    pids+=("$cpid")
    for _ in $(seq 1 100); do grep -q ' started in ' "$work/gatehouse.out" && break; sleep 0.1; done
    grep -q ' started in ' "$work/gatehouse.out" || { cat "$work/gatehouse.out"; exit 1; }
    sleep 1

    echo
    if [ "$mode" = pinned ]; then
        echo "pinned: each server alone on core 0 (Gatehouse io-threads = 1), load client on core 1"
    else
        echo "shared: servers and load client share all $(nproc) cores (Gatehouse io-threads = one per core)"
    fi
    read -r c_rps c_stalled c_cpu c_n c_mis <<<"$($client_cpu java "$root/bench/stun/BindingLoad.java" 127.0.0.1 "$cport" "$cpid" "$seconds" 5 "$sockets" "$window")"
    read -r g_rps g_stalled g_cpu g_n g_mis <<<"$($client_cpu java "$root/bench/stun/BindingLoad.java" 127.0.0.1 "$gport" "$gpid" "$seconds" 5 "$sockets" "$window")"
    printf '  %-10s %12s %10s %13s %22s\n' server "answers/s" stalled misdelivered "server CPU us/answer"
    printf '  %-10s %12s %10s %13s %22s\n' coturn "$c_rps" "$c_stalled" "$c_mis" "$c_cpu"
    printf '  %-10s %12s %10s %13s %22s\n' gatehouse "$g_rps" "$g_stalled" "$g_mis" "$g_cpu"
    awk -v g="$g_rps" -v c="$c_rps" -v gc="$g_cpu" -v cc="$c_cpu" 'BEGIN {
        printf "  ratio gatehouse/coturn: %.2fx answers/s, %.2fx CPU per answer\n", g / c, (cc > 0 ? gc / cc : 0) }'
    kill "$gpid" "$cpid" 2>/dev/null || true
    wait "$gpid" "$cpid" 2>/dev/null || true
}

echo "STUN Binding over UDP on loopback: ${sockets} sockets x ${window} requests in flight, 5 s warm-up, ${seconds} s measured"
echo "(stalled = requests unanswered after 200 ms, then re-sent; misdelivered = answers that reached another client socket)"
round shared
round pinned
