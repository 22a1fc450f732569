#!/usr/bin/env bash
# HTTPS static file: Gatehouse against nginx, same load client (wrk), same machine, one run, loopback
# only. Both serve the same BYTES-byte hello.html with the same self-signed EC P-256 certificate, over
# kept-alive connections (wrk's default) and, if CLOSE_SECONDS > 0, with a new connection (TLS
# handshake) per request. Prints requests/s, p50/p99 latency, errors and server CPU per request for
# each, cores shared and pinned, and the ratios gatehouse/nginx. Needs a built distribution
# (mvn -q package -DskipTests) with the content bundle, and Debian's wrk and nginx.
# usage: bench/https-static.sh [SECONDS] [CONNECTIONS] [BYTES]   (about 110 s with the defaults)
#   WARMUP=20: at most this many seconds of load before each measured run (2 s runs until the rate
#   stops rising); CLOSE_SECONDS=5: length of the new-connection run (0 leaves it out);
#   ONLY_NGINX=1 measures nginx alone.
set -euo pipefail
seconds=${1:-10}
connections=${2:-32}
bytes=${3:-1024}
warmup=${WARMUP:-20}
close_seconds=${CLOSE_SECONDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$root/distribution/target/gatehouse
for tool in wrk nginx openssl curl taskset python3; do
    command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install -y wrk nginx (and openssl, curl, util-linux, python3)" >&2; exit 2; }
done
gatehouse=yes
[ "${ONLY_NGINX:-}" = 1 ] && gatehouse=
if [ -n "$gatehouse" ] && [ ! -x "$dist/bin/gatehouse" ]; then
    echo "build first: mvn -q package -DskipTests" >&2; exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

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
# CPU ticks (user, nice, system) the whole machine spent outside this script's process group, i.e.
# on other work than this benchmark; a run is only a fair comparison when that stays near zero. The
# group's own count includes its reaped children (cutime, cstime): wrk ends before the second reading.
pgrp=$(awk '{print $5}' "/proc/$$/stat")
other_ticks() {
    { cat /proc/[0-9]*/stat; head -1 /proc/stat; } 2>/dev/null | awk -v g="$pgrp" '
        /^cpu / { total = $2 + $3 + $4; next } { sub(/^.*\) /, ""); if ($3 == g) ours += $12 + $13 + $14 + $15 } END { print total - ours }'
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The file both servers serve and the certificate both present (cert and key in one PEM for Gatehouse).
mkdir -p "$work/www" "$work/nginx/tmp"
# Readable for nginx's workers, which run as nobody when the script runs as root (mktemp -d gives 0700).
chmod 755 "$work" "$work/www"
head -c "$bytes" /dev/zero | tr '\0' 'x' >"$work/www/hello.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/cert.pem" "$work/key.pem" >"$work/server.pem"

# Checks that 127.0.0.1:$1 answers 200 with the file within $2 seconds; prints "header_bytes body_bytes".
answers_200() {
    local code size=""
    for _ in $(seq 1 $(($2 * 5))); do
        read -r code size <<<"$(curl -sk --max-time 1 -o /dev/null -w '%{http_code} %{size_header} %{size_download}' \
            "https://127.0.0.1:$1/hello.html" 2>/dev/null || true)"
        [ "$code" = 200 ] && { echo "$size"; return 0; }
        sleep 0.2
    done
    echo "HTTP ${code:-000}"
    return 1
}

# The TLS version and cipher wrk gets from 127.0.0.1:$1 (Python's ssl module, the same system OpenSSL),
# and whether a second connection resumes the first one's session: "TLSv1.3 TLS_AES_256_GCM_SHA384 yes".
tls_info() {
    timeout 10 python3 - "$1" <<'EOF' 2>/dev/null || echo "? ? ?"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def get(session=None):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3), session=session)
    s.sendall(b"GET /hello.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    r = (s.version(), s.cipher()[0], s.session, s.session_reused)
    s.close()
    return r
version, cipher, session, _ = get()
print(version, cipher, "yes" if get(session)[3] else "no")
EOF
}

# Starts nginx on 127.0.0.1:$1 (on $server_cpu; 2 workers shared, 1 pinned); sets spid.
start_nginx() {
    local n=$work/nginx workers=2 size
    [ "$mode" = pinned ] && workers=1
    cat >"$n/nginx.conf" <<EOF
worker_processes $workers;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 1024; }
http {
    types { text/html html; }
    default_type application/octet-stream;
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    server {
        listen 127.0.0.1:$1 ssl;
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        root $work/www;
    }
}
EOF
    $server_cpu nginx -c "$n/nginx.conf" -p "$n" -e "$n/error.log" -g 'daemon off;' >"$work/nginx.out" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    if ! size=$(answers_200 "$1" 5); then
        echo "nginx does not answer 200 for https://127.0.0.1:$1/hello.html within 5 s ($size):" >&2
        tail -5 "$work/nginx.out" "$n/error.log" >&2 2>/dev/null; exit 1
    fi
    response_size=$size
}

# Starts a copy of the distribution with HTTPS on 127.0.0.1:$1 and the content bundle serving the
# same folder at / (one I/O thread when pinned); sets spid. Fails, and says why, unless it answers 200
# for the file within 5 s of starting.
start_gatehouse() {
    local g=$work/gatehouse size tls
    # One copy for every start (cp -a keeps lib/ as it is, so its class-data sharing archive applies).
    [ -d "$g" ] || cp -a "$dist" "$g"
    rm -rf "$g/data/cache" "$g/data/log"
    cp "$dist/etc/org.gatehouse.core.cfg" "$dist/etc/org.gatehouse.tls.cfg" "$g/etc/"
    # STUN on an ephemeral loopback port only, no STUN over TLS.
    printf 'listen = 127.0.0.1:0\ntcp = false\ntls-listen =\n' >"$g/etc/org.gatehouse.stun.cfg"
    # No remote shell (it would default to 127.0.0.1:8101).
    printf 'listen =\n' >"$g/etc/org.gatehouse.ssh.cfg"
    tls=$g/etc/org.gatehouse.tls.cfg
    sed -i -e "s|^https-listen *=.*|https-listen = 127.0.0.1:$1|" -e 's|^http-listen *=.*|http-listen =|' \
        -e "s|^certificate *=.*|certificate = $work/server.pem|" -e 's|^access-log *=.*|access-log =|' "$tls"
    grep -q '^certificate *=' "$tls" || echo "certificate = $work/server.pem" >>"$tls"
    grep -q '^access-log *=' "$tls" || echo "access-log =" >>"$tls"
    printf 'folder = %s\nmount = /\n' "$work/www" >"$g/etc/org.gatehouse.content.cfg"
    if [ "$mode" = pinned ]; then
        sed -i "s/^io-threads *=.*/io-threads = 1/" "$g/etc/org.gatehouse.core.cfg"
    fi
    JAVA_OPTS="${GATEHOUSE_JAVA_OPTS:-}" $server_cpu "$g/bin/gatehouse" --no-console >"$work/gatehouse.out" 2>&1 </dev/null &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 1 150); do
        grep -q ' started in ' "$work/gatehouse.out" && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q ' started in ' "$work/gatehouse.out"; then
        echo "gatehouse did not start within 15 s:" >&2; tail -20 "$work/gatehouse.out" >&2; exit 1
    fi
    if ! size=$(answers_200 "$1" 5); then
        echo "gatehouse does not answer 200 for https://127.0.0.1:$1/hello.html within 5 s ($size)" >&2
        echo "(is the content bundle in the distribution? etc/org.gatehouse.content.cfg was:)" >&2
        sed 's/^/    /' "$g/etc/org.gatehouse.content.cfg" >&2
        echo "last lines of its output:" >&2; tail -20 "$work/gatehouse.out" >&2
        exit 1
    fi
    response_size=$size
}

# Runs wrk against 127.0.0.1:$2 (server pid $3) for $4 seconds, extra wrk options after that, and
# prints one line: requests/s p50_us p99_us socket_errors http_errors server_cpu_us_per_request
# server_cpu_pct wrk_cpu_pct other_cpu_pct requests (CPU % of one core over the run's wall time)
run_wrk() {
    local name=$1 port=$2 spid=$3 d=$4 out=$work/$1-$mode-$4.wrk k0 k1 o0 o1 t0 t1 times
    shift 4
    k0=$(server_ticks "$spid") o0=$(other_ticks) t0=$EPOCHREALTIME
    TIMEFORMAT='%U %S'
    { time $client_cpu timeout --foreground $((d + 30)) wrk -t1 -c"$connections" -d"${d}s" --latency "$@" \
        "https://127.0.0.1:$port/hello.html" >"$out" 2>&1 </dev/null; } 2>"$out.time" || true
    k1=$(server_ticks "$spid") o1=$(other_ticks) t1=$EPOCHREALTIME
    if ! grep -q '^Requests/sec:' "$out"; then
        echo "$name: wrk did not finish; its output:" >&2; cat "$out" >&2; exit 1
    fi
    times=$(tail -1 "$out.time")
    awk -v k="$((k1 - k0))" -v o="$((o1 - o0))" -v hz="$hz" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
        -v times="$times" '
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
            printf "%.0f %.0f %.0f %d %d %.1f %.0f %.0f %.0f %d\n", rps, p50, p99, sock, http, (n > 0 ? k * 1e6 / hz / n : 0),
                k / hz / wall * 100, (c[1] + c[2]) / wall * 100, (other < 0 ? 0 : other), n }' "$out"
}

# Warms the server at 127.0.0.1:$2 (pid $3) up with 2 s wrk runs until one gains less than 10% on the
# one before (a JVM compiles its hot code over the first seconds; with one core, its compiler threads
# share it with the event loop), at least 2 runs, at most WARMUP seconds; sets warmed (seconds).
warm_up() {
    local before=0 rps
    warmed=0
    while [ "$warmed" -lt "$warmup" ]; do
        rps=$(run_wrk "$1" "$2" "$3" 2)
        rps=${rps%% *}
        warmed=$((warmed + 2))
        [ "$warmed" -ge 4 ] && [ "$((rps * 10))" -lt "$((before * 11))" ] && break
        before=$rps
    done
}

# Measures the server at 127.0.0.1:$2 (pid $3): warm-up, kept-alive run, new-connection run; sets the
# named results ka_<name>, close_<name> and tls_<name>, and prints its kept-alive row.
measure() {
    local name=$1 port=$2 spid=$3 ka cl version cipher resumed
    read -r version cipher resumed <<<"$(tls_info "$port")"
    warm_up "$name" "$port" "$spid"
    # shellcheck disable=SC2086
    printf -v "tls_$name" '%s: %s %s, resumes sessions: %s, response %s B header + %s B body, warm-up %s s' "$name" \
        "$version" "$cipher" "$resumed" $response_size "$warmed"
    ka=$(run_wrk "$name" "$port" "$spid" "$seconds")
    printf -v "ka_$name" '%s' "$ka"
    max_other=$(max "$max_other" "$(echo "$ka" | cut -d' ' -f9)")
    # shellcheck disable=SC2086
    row "$name" $ka
    if [ "$close_seconds" -gt 0 ]; then
        run_wrk "$name" "$port" "$spid" 2 -H 'Connection: close' >/dev/null
        cl=$(run_wrk "$name" "$port" "$spid" "$close_seconds" -H 'Connection: close')
        printf -v "close_$name" '%s' "$cl"
        max_other=$(max "$max_other" "$(echo "$cl" | cut -d' ' -f9)")
    fi
}

max() { echo $(($1 > $2 ? $1 : $2)); }

# server requests/s p50 p99 sock_err http_err cpu_us server_cpu_pct wrk_cpu_pct other_cpu_pct [requests]
row() { printf '  %-10s %10s %8s %8s %6s/%-5s %11s %8s %8s %8s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}"; }
# The same without latencies: for new connections, wrk's clock starts once connected and handshaken.
close_row() { row "$1" "$2" - - "${@:5}"; }
ratios() {   # $1 = label, $2 = nginx result, $3 = gatehouse result
    awk -v label="$1" -v c="$2" -v g="$3" '
        function ratio(g, c) { return c > 0 ? sprintf("%.2fx", g / c) : g > 0 ? "inf" : "1.00x (both 0)" }
        BEGIN { split(c, a, " "); split(g, b, " ")
            lat = label == "" ? sprintf(", %s p50, %s p99", ratio(b[2], a[2]), ratio(b[3], a[3])) : ""
            printf "  ratio gatehouse/nginx%s: %s requests/s%s, %s CPU per request; errors %d vs %d\n",
                label, ratio(b[1], a[1]), lat, ratio(b[6], a[6]), b[4] + b[5], a[4] + a[5] }'
}

# One round: nginx started, measured, stopped, then Gatehouse the same way.
#   shared: servers and wrk share all cores (nginx 2 workers, Gatehouse io-threads = one per core)
#   pinned: each server alone on core 0 (nginx worker_processes 1, Gatehouse io-threads = 1), wrk on core 1
round() {
    mode=$1 server_cpu="" client_cpu=""
    if [ "$mode" = pinned ]; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
    local port
    ka_nginx="" ka_gatehouse="" close_nginx="" close_gatehouse="" tls_nginx="" tls_gatehouse="" max_other=0
    echo
    if [ "$mode" = pinned ]; then
        echo "pinned: each server alone on core 0 (nginx worker_processes 1, Gatehouse io-threads = 1), wrk on core 1"
    else
        echo "shared: servers and wrk share all $(nproc) cores (nginx worker_processes 2, Gatehouse io-threads = one per core)"
    fi
    printf '  %-10s %10s %8s %8s %12s %11s %8s %8s %8s\n' server "requests/s" "p50 us" "p99 us" "errors" "server CPU" "server" "wrk" "other"
    printf '  %-10s %10s %8s %8s %12s %11s %8s %8s %8s\n' "" "" "" "" "sock/http" "us/req" "CPU %" "CPU %" "CPU %"
    port=$(free_port)
    start_nginx "$port"
    measure nginx "$port" "$spid"
    stop "$spid"
    if [ -n "$gatehouse" ]; then
        port=$(free_port)
        start_gatehouse "$port"
        measure gatehouse "$port" "$spid"
        stop "$spid"
        ratios "" "$ka_nginx" "$ka_gatehouse"
    fi
    if [ "$close_seconds" -gt 0 ]; then
        echo "  new connection per request (Connection: close; a TLS handshake each, resumed where the server allows):"
        # shellcheck disable=SC2086
        close_row nginx $close_nginx
        if [ -n "$gatehouse" ]; then
            # shellcheck disable=SC2086
            close_row gatehouse $close_gatehouse
            ratios " (new connections)" "$close_nginx" "$close_gatehouse"
        fi
    fi
    echo "  $tls_nginx"
    [ -z "$tls_gatehouse" ] || echo "  $tls_gatehouse"
    if [ "$max_other" -gt 20 ]; then
        echo "  note: other processes used up to $max_other% of a core meanwhile: these figures are not a fair comparison"
    fi
}

echo "HTTPS GET of a $bytes-byte static file on loopback: wrk -t1 -c$connections -d${seconds}s --latency, kept-alive connections,"
echo "after a warm-up (2 s runs until one gains < 10%, at most ${warmup} s); the same self-signed EC P-256 certificate"
echo "for both servers; access logs off."
[ "$close_seconds" -gt 0 ] && echo "Then -d${close_seconds}s with -H 'Connection: close' (after a 2 s warm-up): one TLS handshake per request."
echo "(errors: wrk's socket errors (connect, read, write, timeout) / responses with status >= 400; server CPU: user +"
echo " system of all server processes over the run, per request and in % of one core; wrk and other (the rest of the"
echo " machine) likewise, in % of one core)"
[ -n "$gatehouse" ] || echo "ONLY_NGINX=1: Gatehouse not measured"
round shared
round pinned
