# Shell functions the HTTPS benchmarks share (https-static.sh, proxy.sh): sourced, not run.
# The sourcing script sets -euo pipefail and, before calling the functions that use them:
#   connections  wrk's -c          warmup       warm_up's limit in seconds
#   mode         shared | pinned   server_cpu   prefix for server commands (taskset -c 0, or empty)
#   client_cpu   prefix for wrk and the other load tools (taskset -c 1, or empty)
# bench_init makes $work (a temporary folder) and stops every process in $pids on exit; KEEP_WORK=1
# keeps the folder (logs, configurations, the distribution copy) and says where it is.

# The tools both benchmarks drive and, unless ONLY_NGINX=1, the built distribution in $dist; sets
# gatehouse (empty when only nginx is measured). Exits 2 with what to install or build.
bench_requirements() {
    local tool
    for tool in wrk nginx openssl curl taskset python3; do
        command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y wrk nginx (and openssl, curl, util-linux, python3)" >&2; exit 2; }
    done
    gatehouse=yes
    [ "${ONLY_NGINX:-}" = 1 ] && gatehouse=
    if [ -n "$gatehouse" ] && [ ! -x "$dist/bin/gatehouse" ]; then
        echo "build first: mvn -q package -DskipTests" >&2; exit 2
    fi
}

bench_init() {
    work=$(mktemp -d)
    pids=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP_WORK:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hz=$(getconf CLK_TCK)
# CPU ticks (user + system) of process $1 and its children (nginx: master and workers; Gatehouse: its JVM).
server_ticks() {
    local p t=0 st
    for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
        read -r -a st <"/proc/$p/stat" 2>/dev/null || continue
        t=$((t + st[13] + st[14]))
    done
    echo "$t"
}
# Run-queue wait (ns) and time slices of every thread of process $1 and its children, summed
# (/proc/PID/task/TID/schedstat: time spent runnable but waiting for a core, and how many times the
# thread got one): over a run, wait / slices is how long the server's threads waited for a core each
# time they woke up. Threads that ended during the run are not counted.
server_waits() {
    local p t w=0 n=0 st
    for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
        for t in /proc/"$p"/task/*/schedstat; do
            read -r -a st <"$t" 2>/dev/null || continue
            w=$((w + st[1])) n=$((n + st[2]))
        done
    done
    echo "$w $n"
}
# Resident set in KB of process $1 and its children (nginx: master and workers; Gatehouse: its JVM).
server_rss_kb() {
    local p t=0 kb
    for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
        t=$((t + ${kb:-0}))
    done
    echo "$t"
}
# CPU ticks (user, nice, system) the whole machine spent outside this script's process group and the
# processes given as arguments (a server started in another session), i.e. on other work than this
# benchmark; a run is only a fair comparison when that stays near zero. The group's own count includes
# its reaped children (cutime, cstime): wrk ends before the second reading.
pgrp=$(awk '{print $5}' "/proc/$$/stat")
other_ticks() {
    { cat /proc/[0-9]*/stat; head -1 /proc/stat; } 2>/dev/null | awk -v g="$pgrp" -v extra=" $* " '
        /^cpu / { total = $2 + $3 + $4; next }
        { pid = $1; sub(/^.*\) /, ""); if ($3 == g || index(extra, " " pid " ")) ours += $12 + $13 + $14 + $15 }
        END { print total - ours }'
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
max() { echo $(($1 > $2 ? $1 : $2)); }

# A self-signed EC P-256 certificate for 127.0.0.1 in $1: cert.pem, key.pem, and both in server.pem
# (Gatehouse's form).
make_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
    cat "$1/cert.pem" "$1/key.pem" >"$1/server.pem"
}

# Prepares a copy of the distribution $dist in $1 (made once, reused) for a start with HTTPS on
# 127.0.0.1:$2 with certificate $3, no HTTP listener, no access log, STUN on an ephemeral loopback
# port without TCP or TLS, one I/O thread when $mode is pinned. Fresh data/ (cache, log) each time.
gatehouse_prepare() {
    local g=$1 tls=$1/etc/org.gatehouse.tls.cfg
    # cp -a keeps lib/ as it is, so its class-data sharing archive applies.
    [ -d "$g" ] || cp -a "$dist" "$g"
    rm -rf "$g/data/cache" "$g/data/log"
    cp "$dist/etc/org.gatehouse.core.cfg" "$dist/etc/org.gatehouse.tls.cfg" "$g/etc/"
    printf 'listen = 127.0.0.1:0\ntcp = false\ntls-listen =\n' >"$g/etc/org.gatehouse.stun.cfg"
    # The metrics and status listener on an ephemeral loopback port, not the shipped 127.0.0.1:9090.
    printf 'listen = 127.0.0.1:0\n' >"$g/etc/org.gatehouse.status.cfg"
    sed -i -e "s|^https-listen *=.*|https-listen = 127.0.0.1:$2|" -e 's|^http-listen *=.*|http-listen =|' \
        -e "s|^certificate *=.*|certificate = $3|" -e 's|^access-log *=.*|access-log =|' "$tls"
    grep -q '^certificate *=' "$tls" || echo "certificate = $3" >>"$tls"
    grep -q '^access-log *=' "$tls" || echo "access-log =" >>"$tls"
    if [ "$mode" = pinned ]; then
        sed -i "s/^io-threads *=.*/io-threads = 1/" "$g/etc/org.gatehouse.core.cfg"
    fi
}

# Starts the prepared copy in $1 headless (on $server_cpu, JAVA_OPTS from GATEHOUSE_JAVA_OPTS), its
# output to $2; sets spid. Fails, with its last output lines, unless it logs ` started in ` within 15 s.
gatehouse_launch() {
    JAVA_OPTS="${GATEHOUSE_JAVA_OPTS:-}" $server_cpu "$1/bin/gatehouse" --no-console >"$2" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 1 150); do
        grep -q ' started in ' "$2" && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q ' started in ' "$2"; then
        echo "gatehouse did not start within 15 s:" >&2; tail -20 "$2" >&2; exit 1
    fi
}

# Checks that URL $1 answers 200 within $2 seconds; prints "header_bytes body_bytes", or on failure
# "HTTP <last status>".
answers_200() {
    local code size=""
    for _ in $(seq 1 $(($2 * 5))); do
        read -r code size <<<"$(curl -sk --max-time 1 -o /dev/null -w '%{http_code} %{size_header} %{size_download}' \
            "$1" 2>/dev/null || true)"
        [ "$code" = 200 ] && { echo "$size"; return 0; }
        sleep 0.2
    done
    echo "HTTP ${code:-000}"
    return 1
}

# Runs wrk against URL $2 (server pid $3) for $4 seconds, extra wrk options after that, its output in
# $work/$1-$mode-$4.wrk, and prints one line: requests/s p50_us p99_us socket_errors http_errors
# server_cpu_us_per_request server_cpu_pct wrk_cpu_pct other_cpu_pct requests wait_us_per_wake (CPU %
# of one core over the run's wall time; the last: the server's threads' mean wait for a core per
# time slice, server_waits)
run_wrk() {
    local name=$1 url=$2 spid=$3 d=$4 out=$work/$1-$mode-$4.wrk k0 k1 o0 o1 t0 t1 times w0 w1
    shift 4
    k0=$(server_ticks "$spid") o0=$(other_ticks "$spid") w0=$(server_waits "$spid") t0=$EPOCHREALTIME
    TIMEFORMAT='%U %S'
    { time $client_cpu timeout --foreground $((d + 30)) wrk -t1 -c"$connections" -d"${d}s" --latency "$@" \
        "$url" >"$out" 2>&1 </dev/null; } 2>"$out.time" || true
    k1=$(server_ticks "$spid") o1=$(other_ticks "$spid") w1=$(server_waits "$spid") t1=$EPOCHREALTIME
    if ! grep -q '^Requests/sec:' "$out"; then
        echo "$name: wrk did not finish; its output:" >&2; cat "$out" >&2; exit 1
    fi
    times=$(tail -1 "$out.time")
    awk -v k="$((k1 - k0))" -v o="$((o1 - o0))" -v hz="$hz" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
        -v times="$times" -v w0="$w0" -v w1="$w1" '
        function us(v) {   # wrk latency: 431.00us, 0.98ms, 1.02s, 1.00m
            if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /m$/) return v * 60e6; return v * 1e6 }
        $1 == "50%" { p50 = us($2) }
        $1 == "99%" { p99 = us($2) }
        / requests in / { n = $1 }
        /^ *Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
        /^ *Non-2xx or 3xx responses:/ { http = $NF }
        /^Requests\/sec:/ { rps = $2 }
        END {
            split(times, c, " ")
            other = o / hz / wall * 100
            split(w0, a, " "); split(w1, b, " "); slices = b[2] - a[2]
            printf "%.0f %.0f %.0f %d %d %.1f %.0f %.0f %.0f %d %.0f\n", rps, p50, p99, sock, http, (n > 0 ? k * 1e6 / hz / n : 0),
                k / hz / wall * 100, (c[1] + c[2]) / wall * 100, (other < 0 ? 0 : other), n,
                (slices > 0 ? (b[1] - a[1]) / slices / 1000 : 0) }' "$out"
}

# CPU ticks of the JIT compiler threads of process $1 (0 for a server that has none, like nginx).
jit_ticks() {
    local f t=0 st name
    for f in /proc/"$1"/task/*; do
        read -r name <"$f/comm" 2>/dev/null || continue
        case $name in C1\ CompilerThre* | C2\ CompilerThre*) read -r -a st <"$f/stat" 2>/dev/null && t=$((t + st[13] + st[14])) ;; esac
    done
    echo "$t"
}

# Warms the server at URL $2 (pid $3) up with 2 s wrk runs until it has settled: a run gains less than
# 10% requests/s on the one before, its server CPU per request fell less than 10%, and the JIT
# compiler threads (a JVM's; nginx has none) took less than 5% of the server's CPU in it. A JVM
# compiles its hot code over the first 10-30 s of load, longer when the cores are shared, and its
# compiler threads' CPU counts in the server's: the rate alone can look flat on a busy machine while
# CPU per request is still halving. At least 2 runs, at most $warmup seconds. Sets warmed (seconds)
# and settled ("" when it settled, else a note for the report).
warm_up() {
    local before=0 before_cpu=0 r rps cpu j0 j1 s0 s1
    warmed=0 settled=" (not settled at the warm-up limit: JIT still compiling or CPU per request still falling)"
    while [ "$warmed" -lt "$warmup" ]; do
        j0=$(jit_ticks "$3") s0=$(server_ticks "$3")
        r=$(run_wrk "$1" "$2" "$3" 2)
        j1=$(jit_ticks "$3") s1=$(server_ticks "$3")
        rps=${r%% *}
        cpu=$(echo "$r" | awk '{printf "%d", $6 * 10}')
        warmed=$((warmed + 2))
        if [ "$warmed" -ge 4 ] && [ "$((rps * 10))" -lt "$((before * 11))" ] && [ "$((cpu * 10))" -ge "$((before_cpu * 9))" ] \
            && [ "$(((j1 - j0) * 20))" -lt "$((s1 - s0))" ]; then
            settled=""
            break
        fi
        before=$rps before_cpu=$cpu
    done
}

# server requests/s p50 p99 sock_err http_err cpu_us server_cpu_pct wrk_cpu_pct other_cpu_pct [requests [wait_us]]
row() { printf '  %-10s %10s %8s %8s %6s/%-5s %11s %8s %8s %8s %10s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${12:--}"; }
row_header() {
    printf '  %-10s %10s %8s %8s %12s %11s %8s %8s %8s %10s\n' server "requests/s" "p50 us" "p99 us" "errors" "server CPU" "server" "wrk" "other" "core wait"
    printf '  %-10s %10s %8s %8s %12s %11s %8s %8s %8s %10s\n' "" "" "" "" "sock/http" "us/req" "CPU %" "CPU %" "CPU %" "us/wake"
}
ratios() {   # $1 = label, $2 = nginx result, $3 = gatehouse result (run_wrk lines); latencies unless $1 says "new connections"
    awk -v label="$1" -v c="$2" -v g="$3" '
        function ratio(g, c) { return c > 0 ? sprintf("%.2fx", g / c) : g > 0 ? "inf" : "1.00x (both 0)" }
        BEGIN { split(c, a, " "); split(g, b, " ")
            lat = label !~ /new connections/ ? sprintf(", %s p50, %s p99", ratio(b[2], a[2]), ratio(b[3], a[3])) : ""
            wait = (a[11] != "" && b[11] != "") ? sprintf(", %s core wait per wake-up", ratio(b[11], a[11])) : ""
            printf "  ratio gatehouse/nginx%s: %s requests/s%s, %s CPU per request%s; errors %d vs %d\n",
                label, ratio(b[1], a[1]), lat, ratio(b[6], a[6]), wait, b[4] + b[5], a[4] + a[5] }'
}
