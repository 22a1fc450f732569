#!/usr/bin/env bash
# Reverse proxy: Gatehouse against nginx, same load client (wrk), same backends, same machine, one run,
# loopback only. Both terminate HTTPS with the same self-signed EC P-256 certificate and pass requests
# round robin to 3 backends (a third nginx, one worker, serving a BYTES-byte file on 3 plain and 3 TLS
# ports, kept-alive connections): HTTPS->HTTP and HTTPS->HTTPS requests/s, p50/p99 latency, errors and
# each proxy's CPU per request and wait for a core per wake-up, cores shared and pinned, with the ratios
# gatehouse/nginx. Then memory:
# each proxy's resident set before and with STREAMS idle event streams held through it to 3 Python
# backends (bench/proxy/sse_backend.py) by one Python client (bench/proxy/hold_streams.py).
# Needs a built distribution (mvn -q package -DskipTests), Debian's wrk and nginx, python3.
# usage: bench/proxy.sh [SECONDS] [CONNECTIONS] [BYTES] [STREAMS]   (about 11 minutes with the defaults)
#   REPEAT=3: measured runs per proxy and backend kind, nginx's and Gatehouse's alternating with both
#   proxies up (the machine's speed drifts between minutes: one run each said more about the minute
#   than about the proxies); each column's median over the runs is reported, every run and each pair's
#   ratios beside it.
#   WARMUP=40: at most this many seconds of load before each measured run (2 s runs until both the
#   rate and the server's CPU per request have settled); PINNED=0 leaves the pinned round out; STREAMS=0 (4th argument) the memory part;
#   ONLY_NGINX=1 measures nginx alone; GATEHOUSE_DIST=folder measures another built distribution (before/after);
#   JFR=/path/prefix runs Gatehouse with Java Flight Recorder on (settings=profile, which costs a few
#   percent: profile, do not compare; JFR_SETTINGS=file.jfc for others) and dumps each measured run's
#   part into PREFIX-MODE-KIND.jfr; GATEHOUSE_JAVA_OPTS adds JVM options.
set -euo pipefail
seconds=${1:-10}
connections=${2:-32}
bytes=${3:-1024}
streams=${4:-10000}
warmup=${WARMUP:-40}
repeat=${REPEAT:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${GATEHOUSE_DIST:-$root/distribution/target/gatehouse}
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_requirements
bench_init

# Event streams need descriptors: the client one per stream, a proxy two (client and backend side).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)
stream_note=""
if [ "$streams" -gt $(((nofile - 1000) / 2)) ]; then
    stream_note="(open-file limit here: $nofile, not raisable; a proxy needs 2 per stream: $streams lowered to $(((nofile - 1000) / 2)))"
    streams=$(((nofile - 1000) / 2))
fi

# The backends' file (also under /tls/, the path the proxies send to the TLS backends) and the
# certificate every TLS listener presents (cert and key in one PEM for Gatehouse).
mkdir -p "$work/www/tls" "$work/front/tmp" "$work/backends/tmp"
# Readable for nginx's workers, which run as nobody when the script runs as root (mktemp -d gives 0700).
chmod 755 "$work" "$work/www" "$work/www/tls"
head -c "$bytes" /dev/zero | tr '\0' 'x' >"$work/www/hello.html"
cp "$work/www/hello.html" "$work/www/tls/hello.html"
make_certificate "$work"

temp_paths() {   # nginx's temporary folders under $1 (no root needed)
    printf '    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n' "$1" "$1"
    printf '    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n    scgi_temp_path %s/scgi;\n' "$1" "$1" "$1"
}

# Starts the backends (one nginx worker, on $client_cpu): the file on 3 plain ports ($plain) and 3 TLS
# ports ($tlsports); sets bpid.
start_backends() {
    local n=$work/backends p
    plain="$(free_port) $(free_port) $(free_port)" tlsports="$(free_port) $(free_port) $(free_port)"
    {
        echo "worker_processes 1;"
        echo "pid $n/nginx.pid;"
        echo "error_log $n/error.log warn;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "    default_type text/html;"
        echo "    access_log off;"
        echo "    keepalive_requests 1000000;"
        temp_paths "$n/tmp"
        echo "    server {"
        for p in $plain; do echo "        listen 127.0.0.1:$p;"; done
        echo "        root $work/www;"
        echo "    }"
        echo "    server {"
        for p in $tlsports; do echo "        listen 127.0.0.1:$p ssl;"; done
        echo "        ssl_certificate $work/cert.pem;"
        echo "        ssl_certificate_key $work/key.pem;"
        echo "        ssl_session_cache shared:B:1m;"
        echo "        root $work/www;"
        echo "    }"
        echo "}"
    } >"$n/nginx.conf"
    $client_cpu nginx -c "$n/nginx.conf" -p "$n" -e "$n/error.log" -g 'daemon off;' >"$work/backends.out" 2>&1 </dev/null &
    bpid=$!
    pids+=("$bpid")
    for p in $plain; do
        answers_200 "http://127.0.0.1:$p/hello.html" 5 >/dev/null || { echo "backend nginx does not answer on $p:" >&2; tail -5 "$work/backends.out" "$n/error.log" >&2; exit 1; }
    done
    for p in $tlsports; do
        answers_200 "https://127.0.0.1:$p/tls/hello.html" 5 >/dev/null || { echo "backend nginx does not answer on $p (TLS):" >&2; tail -5 "$n/error.log" >&2; exit 1; }
    done
}

# Starts the event-stream backends (bench/proxy/sse_backend.py on 3 ports, $events); sets epid.
start_event_backends() {
    events="$(free_port) $(free_port) $(free_port)"
    # shellcheck disable=SC2086
    python3 "$root/bench/proxy/sse_backend.py" $events >"$work/events.out" 2>&1 </dev/null &
    epid=$!
    pids+=("$epid")
    for _ in $(seq 1 50); do grep -q '^ready' "$work/events.out" && return 0; sleep 0.1; done
    echo "event-stream backend did not start:" >&2; cat "$work/events.out" >&2; exit 1
}

list() { local sep=$1 p out=""; shift; for p in "$@"; do out="$out${out:+$sep}127.0.0.1:$p"; done; echo "$out"; }

# The front nginx on 127.0.0.1:$1 (on $server_cpu; 2 workers shared, 1 pinned): / to the plain
# backends, /tls/ to the TLS ones, /events to the event-stream backends; sets spid.
start_nginx() {
    local n=$work/front workers=2 p
    [ "$mode" = pinned ] && workers=1
    {
        echo "worker_processes $workers;"
        echo "worker_rlimit_nofile $nofile;"
        echo "pid $n/nginx.pid;"
        echo "error_log $n/error.log warn;"
        echo "events { worker_connections 30000; }"
        echo "http {"
        echo "    access_log off;"
        echo "    keepalive_requests 1000000;"
        temp_paths "$n/tmp"
        echo "    upstream plain {"
        for p in $plain; do echo "        server 127.0.0.1:$p;"; done
        echo "        keepalive 32;"
        echo "    }"
        echo "    upstream tlsnodes {"
        for p in $tlsports; do echo "        server 127.0.0.1:$p;"; done
        echo "        keepalive 32;"
        echo "    }"
        echo "    upstream eventnodes {"
        for p in ${events:-$plain}; do echo "        server 127.0.0.1:$p;"; done
        echo "        keepalive 32;"
        echo "    }"
        echo "    server {"
        echo "        listen 127.0.0.1:$1 ssl;"
        echo "        ssl_certificate $work/cert.pem;"
        echo "        ssl_certificate_key $work/key.pem;"
        echo "        ssl_protocols TLSv1.2 TLSv1.3;"
        echo "        ssl_session_cache shared:SSL:10m;"
        echo "        proxy_http_version 1.1;"
        # The forwarding headers Gatehouse sets too (it also sets X-Forwarded-Host and Forwarded).
        echo '        proxy_set_header Connection "";'
        echo '        proxy_set_header Host $host;'
        echo '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'
        echo '        proxy_set_header X-Real-IP $remote_addr;'
        echo '        proxy_set_header X-Forwarded-Proto $scheme;'
        echo "        location / { proxy_pass http://plain; }"
        echo "        location /tls/ { proxy_pass https://tlsnodes; proxy_ssl_verify off; proxy_ssl_session_reuse on; }"
        echo "        location /events { proxy_pass http://eventnodes; proxy_buffering off; proxy_read_timeout 3600s; }"
        echo "    }"
        echo "}"
    } >"$n/nginx.conf"
    $server_cpu nginx -c "$n/nginx.conf" -p "$n" -e "$n/error.log" -g 'daemon off;' >"$work/nginx.out" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    check_proxy nginx "$1" "$work/nginx.out" "$n/error.log"
}

# A copy of the distribution with HTTPS on 127.0.0.1:$1 and three pools, as nginx's locations:
# conferencing (/, plain backends), tlsnodes (/tls/, TLS backends, tls-trust-all) and events
# (/events, the event-stream backends); sets spid.
start_gatehouse() {
    local g=$work/gatehouse
    gatehouse_prepare "$g" "$1" "$work/server.pem"
    rm -f "$g"/etc/org.gatehouse.balancer.pool-*.cfg
    printf 'nodes = %s\nroutes = /\ntls = false\nkeepalive = 32\n' "$(list ', ' $plain)" \
        >"$g/etc/org.gatehouse.balancer.pool-conferencing.cfg"
    printf 'nodes = %s\nroutes = /tls/\ntls = true\ntls-trust-all = true\nkeepalive = 32\n' "$(list ', ' $tlsports)" \
        >"$g/etc/org.gatehouse.balancer.pool-tlsnodes.cfg"
    printf 'nodes = %s\nroutes = /events\ntls = false\nkeepalive = 32\n' "$(list ', ' ${events:-$plain})" \
        >"$g/etc/org.gatehouse.balancer.pool-events.cfg"
    local opts=${GATEHOUSE_JAVA_OPTS:-}
    if [ -n "${JFR:-}" ]; then
        # The JVM turns the recorder off while it records the class-data sharing archive (the first
        # start of a copy): one start and stop without it records the archive first.
        if ! ls "$g"/data/cds/*.jsa >/dev/null 2>&1; then
            gatehouse_launch "$g" "$work/gatehouse.out"
            stop_gatehouse "$spid"
        fi
        GATEHOUSE_JAVA_OPTS="$opts -XX:StartFlightRecording=name=bench,settings=${JFR_SETTINGS:-profile}"
    fi
    gatehouse_launch "$g" "$work/gatehouse.out"
    GATEHOUSE_JAVA_OPTS=$opts
    check_proxy gatehouse "$1" "$work/gatehouse.out" "$g"/data/log/*
}

# Stops the Gatehouse started by gatehouse_launch (pid $1).
stop_gatehouse() {
    kill "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    wait "$1" 2>/dev/null || true
}

# Fails, with the proxy's last log lines ($3...), unless proxy $1 on 127.0.0.1:$2 answers 200 through
# both backends within 5 s; sets sizes (header and body bytes of each answer).
check_proxy() {
    local name=$1 port=$2 a b
    shift 2
    if ! a=$(answers_200 "https://127.0.0.1:$port/hello.html" 5) || ! b=$(answers_200 "https://127.0.0.1:$port/tls/hello.html" 5); then
        echo "$name does not answer 200 for https://127.0.0.1:$port/hello.html (${a:-}) and /tls/hello.html (${b:-not tried}) within 5 s; its last log lines:" >&2
        tail -20 "$@" >&2 2>/dev/null
        exit 1
    fi
    printf -v "sizes_$name" '%s: answers %s B header + %s B body through HTTP backends, %s B + %s B through TLS backends' \
        "$name" ${a} ${b}
}

# Warms proxy $1 at 127.0.0.1:$2 (pid $3) up on path $4; appends to warm_<name>.
warm() {
    local w
    warm_up "$1-$kind" "https://127.0.0.1:$2$4" "$3"
    eval "w=\${warm_$1:-}"
    printf -v "warm_$1" '%s' "$w${w:+, }$warmed s ($kind)$settled"
}

# One measured run of proxy $1 at 127.0.0.1:$2 (pid $3) on path $4; appends its run_wrk line to
# runs_<name> and its latency percentiles p90 to max (bench/proxy/percentiles.lua) to tails_<name>
# (runs separated by ";").
measured() {
    local r prev
    r=$(run_wrk "$1-$kind" "https://127.0.0.1:$2$4" "$3" "$seconds" -s "$root/bench/proxy/percentiles.lua")
    eval "prev=\${runs_$1:-}"
    printf -v "runs_$1" '%s' "$prev${prev:+;}$r"
    r=$(awk '$1 == "percentiles" { print $3, $5, $7, $9, $11, $13, $15 }' "$work/$1-$kind-$mode-$seconds.wrk")
    eval "prev=\${tails_$1:-}"
    printf -v "tails_$1" '%s' "$prev${prev:+;}$r"
}

# Each column's median over the runs in $1 (";"-separated lines, each column on its own; the lower
# middle value for an even count), except the columns listed in $2, which are the runs' totals: by
# default those of run_wrk lines that count (errors and requests).
median_run() {
    awk -v s="$1" -v summed="${2-4 5 10}" 'BEGIN {
        m = split(summed, col, " "); for (i = 1; i <= m; i++) total[col[i]] = 1
        n = split(s, r, ";")
        for (i = 1; i <= n; i++) { k = split(r[i], x, " "); for (j = 1; j <= k; j++) v[j, i] = x[j] }
        for (j = 1; j <= k; j++) {
            if (j in total) {
                t = 0; for (i = 1; i <= n; i++) t += v[j, i]
                printf "%s%d", (j > 1 ? " " : ""), t
                continue
            }
            for (i = 1; i <= n; i++) c[i] = v[j, i]   # as printed (43.0 stays 43.0), compared as numbers
            for (i = 2; i <= n; i++) { t = c[i]; for (h = i - 1; h >= 1 && c[h] + 0 > t + 0; h--) c[h + 1] = c[h]; c[h + 1] = t }
            printf "%s%s", (j > 1 ? " " : ""), c[int((n + 1) / 2)]
        }
        print "" }'
}

# Every measured run of both proxies ($1 nginx's, $2 Gatehouse's run_wrk lines, ";"-separated), in run
# order: requests/s, p99 and errors (socket + HTTP) of each, then each pair's ratios.
pairs() {
    awk -v c="$1" -v g="$2" '
        function runs(s, name,   r, i, x, out) {
            out = "  " name ":"
            for (i = 1; i <= split(s, r, ";"); i++) { split(r[i], x, " "); out = out sprintf(" %s/%s/%d", x[1], x[3], x[4] + x[5]) }
            return out
        }
        BEGIN {
            print runs(c, "nginx runs (req/s / p99 us / errors)")
            if (g == "") exit
            print runs(g, "gatehouse runs                      ")
            n = split(c, a, ";"); m = split(g, b, ";"); rps = ""; p99 = ""
            for (i = 1; i <= m && i <= n; i++) {
                split(a[i], x, " "); split(b[i], y, " ")
                rps = rps sprintf(" %.2fx", y[1] / x[1]); p99 = p99 sprintf(" %.2fx", x[3] > 0 ? y[3] / x[3] : 0)
            }
            print "  each pair gatehouse/nginx: requests/s" rps "; p99" p99
        }'
}

# One round: backends and both proxies started; per backend kind both warmed up, then REPEAT measured
# runs each, alternating (nginx first in odd pairs, Gatehouse first in even ones); both stopped.
#   shared: everything shares all cores (nginx 2 workers, Gatehouse io-threads = one per core)
#   pinned: each proxy on core 0 (nginx worker_processes 1, Gatehouse io-threads = 1), the idle one
#   waiting while the other is measured; wrk and the backends on core 1
round() {
    mode=$1 server_cpu="" client_cpu=""
    if [ "$mode" = pinned ]; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
    local kind max_other=0
    all_nginx_http="" all_nginx_https="" all_gatehouse_http="" all_gatehouse_https=""
    echo
    if [ "$mode" = pinned ]; then
        echo "pinned: each proxy on core 0 (nginx worker_processes 1, Gatehouse io-threads = 1), the other one idle meanwhile; wrk and backends on core 1"
    else
        echo "shared: proxies, backends and wrk share all $(nproc) cores (nginx worker_processes 2, Gatehouse io-threads = one per core);"
        echo "  both proxies up, measured in turn, the other one idle meanwhile"
    fi
    start_backends
    local nport npid gport="" gpid="" path i all_n all_g tails_n tails_g med_n med_g
    nport=$(free_port)
    start_nginx "$nport"
    npid=$spid
    if [ -n "$gatehouse" ]; then
        gport=$(free_port)
        start_gatehouse "$gport"
        gpid=$spid
    fi
    warm_nginx="" warm_gatehouse=""
    for kind in http https; do
        path=/hello.html
        [ "$kind" = https ] && path=/tls/hello.html
        runs_nginx="" runs_gatehouse="" tails_nginx="" tails_gatehouse=""
        warm nginx "$nport" "$npid" "$path"
        [ -z "$gatehouse" ] || warm gatehouse "$gport" "$gpid" "$path"
        for i in $(seq 1 "$repeat"); do
            if [ $((i % 2)) = 1 ] || [ -z "$gatehouse" ]; then
                measured nginx "$nport" "$npid" "$path"
                [ -z "$gatehouse" ] || measured gatehouse "$gport" "$gpid" "$path"
            else
                measured gatehouse "$gport" "$gpid" "$path"
                measured nginx "$nport" "$npid" "$path"
            fi
        done
        if [ -n "${JFR:-}" ] && [ -n "$gatehouse" ]; then
            # The recording runs from the start (started later, it would make the JVM compile its hot
            # code again under load); this takes Gatehouse's last measured run out of it.
            jcmd "$gpid" JFR.dump name=bench begin="-$((2 * seconds))s" filename="$JFR-$mode-$kind.jfr" >/dev/null
        fi
        printf -v "all_nginx_$kind" '%s' "$runs_nginx"
        printf -v "all_gatehouse_$kind" '%s' "$runs_gatehouse"
        printf -v "tails_nginx_$kind" '%s' "$tails_nginx"
        printf -v "tails_gatehouse_$kind" '%s' "$tails_gatehouse"
    done
    stop "$npid"
    [ -z "$gatehouse" ] || stop_gatehouse "$gpid"
    stop "$bpid"
    for kind in http https; do
        if [ "$kind" = http ]; then echo "  HTTPS -> HTTP backends"; else echo "  HTTPS -> HTTPS backends"; fi
        row_header
        all_n=all_nginx_$kind all_g=all_gatehouse_$kind tails_n=tails_nginx_$kind tails_g=tails_gatehouse_$kind
        med_n=$(median_run "${!all_n}")
        # shellcheck disable=SC2086
        row nginx $med_n
        if [ -n "$gatehouse" ]; then
            med_g=$(median_run "${!all_g}")
            # shellcheck disable=SC2086
            row gatehouse $med_g
            ratios " (HTTPS -> $(echo "$kind" | tr a-z A-Z))" "$med_n" "$med_g"
        fi
        pairs "${!all_n}" "${!all_g}"
        printf '  latency (us), each the median over the runs:\n    %-10s %6s %6s %6s %6s %6s %6s %6s\n' "" p90 p95 p98 p99 p99.5 p99.9 max
        # shellcheck disable=SC2046
        printf '    %-10s %6s %6s %6s %6s %6s %6s %6s\n' nginx $(median_run "${!tails_n}" "")
        # shellcheck disable=SC2046
        [ -z "$gatehouse" ] || printf '    %-10s %6s %6s %6s %6s %6s %6s %6s\n' gatehouse $(median_run "${!tails_g}" "")
        # Any run's "other" CPU, not only the medians'.
        max_other=$(max "$max_other" "$(echo "${!all_n};${!all_g}" | tr ';' '\n' | awk '$9 > m { m = $9 } END { print m + 0 }')")
    done
    # shellcheck disable=SC2154
    echo "  $sizes_nginx; warm-up $warm_nginx"
    # shellcheck disable=SC2154
    [ -z "$gatehouse" ] || echo "  $sizes_gatehouse; warm-up $warm_gatehouse"
    if [ "$max_other" -gt 20 ]; then
        echo "  note: other processes used up to $max_other% of a core meanwhile: these figures are not a fair comparison"
    fi
}

# Resident set of proxy $2 (pid $3) before and with $streams event streams held by one client through
# it; prints a row and sets mem_<name> (KB per stream). For Gatehouse also its live heap after a full
# GC (jcmd), taken before each resident-set reading.
memory() {
    local name=$1 port=$2 spid=$3 before with heap0="" heap1="" held out=$work/streams-$1.out
    live_heap() { command -v jcmd >/dev/null && timeout 20 jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {print int($3 / 1024)}' || true; }
    # A few requests through the proxy first, as the rps rounds warm it, then one stream.
    curl -sk --max-time 2 -o /dev/null "https://127.0.0.1:$port/hello.html" || true
    [ "$name" = gatehouse ] && heap0=$(live_heap "$spid")
    sleep 1
    before=$(server_rss_kb "$spid")
    python3 "$root/bench/proxy/hold_streams.py" "$port" "$streams" "${STREAM_SECONDS:-60}" >"$out" 2>&1 </dev/null &
    local cpid=$!
    pids+=("$cpid")
    for _ in $(seq 1 $(((${STREAM_SECONDS:-60} + 15) * 5))); do
        grep -q '^held ' "$out" && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.2
    done
    if ! grep -q '^held ' "$out"; then
        echo "  $name: the stream client did not finish opening streams:" >&2; cat "$out" >&2; exit 1
    fi
    sleep 2
    with=$(server_rss_kb "$spid")
    [ "$name" = gatehouse ] && heap1=$(live_heap "$spid")
    stop "$cpid"
    held=$(awk '/^held / {print $2}' "$out")
    awk -v n="$name" -v b="$before" -v w="$with" -v h="$held" -v h0="$heap0" -v h1="$heap1" 'BEGIN {
        per = h > 0 ? (w - b) / h : 0
        heap = h0 != "" && h1 != "" && h > 0 ? sprintf(", live heap %.0f -> %.0f MB, %.1f KB per stream", h0 / 1024, h1 / 1024, (h1 - h0) / h) : ""
        printf "  %-10s RSS %7.1f MB before, %7.1f MB with %d streams: %5.1f KB per stream%s\n", n, b / 1024, w / 1024, h, per, heap }'
    sed 's/^/             client: /' "$out"
    printf -v "mem_$name" '%s' "$with $before $held"
}

mem_round() {
    mode=shared server_cpu="" client_cpu=""
    local port
    echo
    echo "memory: $streams idle event streams (GET /events, text/event-stream) held through each proxy to 3 backends"
    echo "  (bench/proxy/sse_backend.py), opened by one client over HTTPS (bench/proxy/hold_streams.py, 200 at a time),"
    echo "  each counted once its first comment line arrived; resident set (VmRSS) of nginx master + workers or the JVM"
    [ -z "$stream_note" ] || echo "  $stream_note"
    start_backends
    start_event_backends
    port=$(free_port)
    start_nginx "$port"
    memory nginx "$port" "$spid"
    stop "$spid"
    if [ -n "$gatehouse" ]; then
        port=$(free_port)
        start_gatehouse "$port"
        memory gatehouse "$port" "$spid"
        stop_gatehouse "$spid"
        # shellcheck disable=SC2154,SC2086
        awk -v c="$mem_nginx" -v g="$mem_gatehouse" 'BEGIN { split(c, a, " "); split(g, b, " ")
            printf "  ratio gatehouse/nginx: %.2fx RSS with the streams, %.2fx RSS per stream\n", b[1] / a[1],
                (b[3] > 0 && a[3] > 0 && a[1] > a[2]) ? ((b[1] - b[2]) / b[3]) / ((a[1] - a[2]) / a[3]) : 0 }'
    fi
    kill -TERM "$epid" 2>/dev/null || true
    wait "$epid" 2>/dev/null || true
    sed 's/^/  /' "$work/events.out" | grep -v '^  ready'
    stop "$bpid"
}

echo "Reverse proxy on loopback: HTTPS in (the same self-signed EC P-256 certificate), round robin to 3 backends"
echo "(one nginx worker serving a $bytes-byte file on 3 plain and 3 TLS ports); wrk -t1 -c$connections -d${seconds}s --latency,"
echo "kept-alive connections, after a warm-up (2 s runs until one gains < 10% req/s, < 10% less CPU/req, JIT < 5% of its CPU; at most ${warmup} s). nginx: upstream keepalive 32,"
echo "proxy_http_version 1.1, proxy_ssl_verify off; Gatehouse: pools with keepalive = 32, tls-trust-all = true; access logs off."
echo "(errors: wrk's socket errors (connect, read, write, timeout) / responses with status >= 400; server CPU: user +"
echo " system of all proxy processes over the run, per request and in % of one core; wrk and other (the rest of the"
echo " machine outside this script: not the backends) likewise, in % of one core; core wait: how long the proxy's"
echo " threads waited for a core each time they woke, on average over the run: run-queue wait / time slices from"
echo " /proc/PID/task/*/schedstat)"
[ -n "$gatehouse" ] || echo "ONLY_NGINX=1: Gatehouse not measured"
events=""
round shared
[ "${PINNED:-1}" = 0 ] || round pinned
[ "$streams" -le 0 ] || mem_round
