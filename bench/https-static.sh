#!/usr/bin/env bash
# HTTPS static file: Gatehouse against nginx, same load client (wrk), same machine, one run, loopback
# only. Both serve the same BYTES-byte hello.html with the same self-signed EC P-256 certificate, over
# kept-alive connections (wrk's default) and, if CLOSE_SECONDS > 0, with a new connection (TLS
# handshake) per request. Prints requests/s, p50/p99 latency, errors and server CPU per request for
# each, cores shared and pinned, and the ratios gatehouse/nginx. Needs a built distribution
# (mvn -q package -DskipTests) with the content bundle, and Debian's wrk and nginx.
# usage: bench/https-static.sh [SECONDS] [CONNECTIONS] [BYTES]   (about 110 s with the defaults)
#   WARMUP=40: at most this many seconds of load before each measured run (2 s runs until both the
#   rate and the server's CPU per request have settled); CLOSE_SECONDS=5: length of the new-connection run (0 leaves it out);
#   ONLY_NGINX=1 measures nginx alone; GATEHOUSE_DIST=folder measures another built distribution (before/after);
#   PINNED=0 leaves the pinned round out.
set -euo pipefail
seconds=${1:-10}
connections=${2:-32}
bytes=${3:-1024}
warmup=${WARMUP:-40}
close_seconds=${CLOSE_SECONDS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${GATEHOUSE_DIST:-$root/distribution/target/gatehouse}
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_requirements
bench_init

# The file both servers serve and the certificate both present (cert and key in one PEM for Gatehouse).
mkdir -p "$work/www" "$work/nginx/tmp"
# Readable for nginx's workers, which run as nobody when the script runs as root (mktemp -d gives 0700).
chmod 755 "$work" "$work/www"
head -c "$bytes" /dev/zero | tr '\0' 'x' >"$work/www/hello.html"
make_certificate "$work"

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
    if ! size=$(answers_200 "https://127.0.0.1:$1/hello.html" 5); then
        echo "nginx does not answer 200 for https://127.0.0.1:$1/hello.html within 5 s ($size):" >&2
        tail -5 "$work/nginx.out" "$n/error.log" >&2 2>/dev/null; exit 1
    fi
    response_size=$size
}

# Starts a copy of the distribution with HTTPS on 127.0.0.1:$1 and the content bundle serving the
# same folder at / (one I/O thread when pinned); sets spid. Fails, and says why, unless it answers 200
# for the file within 5 s of starting.
start_gatehouse() {
    local g=$work/gatehouse size
    gatehouse_prepare "$g" "$1" "$work/server.pem"
    printf 'folder = %s\nmount = /\n' "$work/www" >"$g/etc/org.gatehouse.content.cfg"
    gatehouse_launch "$g" "$work/gatehouse.out"
    if ! size=$(answers_200 "https://127.0.0.1:$1/hello.html" 5); then
        echo "gatehouse does not answer 200 for https://127.0.0.1:$1/hello.html within 5 s ($size)" >&2
        echo "(is the content bundle in the distribution? etc/org.gatehouse.content.cfg was:)" >&2
        sed 's/^/    /' "$g/etc/org.gatehouse.content.cfg" >&2
        echo "last lines of its output:" >&2; tail -20 "$work/gatehouse.out" >&2
        exit 1
    fi
    response_size=$size
}

# Measures the server at 127.0.0.1:$2 (pid $3): warm-up, kept-alive run, new-connection run; sets the
# named results ka_<name>, close_<name> and tls_<name>, and prints its kept-alive row.
measure() {
    local name=$1 port=$2 spid=$3 url=https://127.0.0.1:$2/hello.html ka cl version cipher resumed
    read -r version cipher resumed <<<"$(tls_info "$port")"
    warm_up "$name" "$url" "$spid"
    # shellcheck disable=SC2086
    printf -v "tls_$name" '%s: %s %s, resumes sessions: %s, response %s B header + %s B body, warm-up %s s%s' "$name" \
        "$version" "$cipher" "$resumed" $response_size "$warmed" "$settled"
    ka=$(run_wrk "$name" "$url" "$spid" "$seconds")
    printf -v "ka_$name" '%s' "$ka"
    max_other=$(max "$max_other" "$(echo "$ka" | cut -d' ' -f9)")
    # shellcheck disable=SC2086
    row "$name" $ka
    if [ "$close_seconds" -gt 0 ]; then
        run_wrk "$name" "$url" "$spid" 2 -H 'Connection: close' >/dev/null
        cl=$(run_wrk "$name" "$url" "$spid" "$close_seconds" -H 'Connection: close')
        printf -v "close_$name" '%s' "$cl"
        max_other=$(max "$max_other" "$(echo "$cl" | cut -d' ' -f9)")
    fi
}

# The same without latencies: for new connections, wrk's clock starts once connected and handshaken.
close_row() { row "$1" "$2" - - "${@:5}"; }
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
    row_header
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
echo "after a warm-up (2 s runs until one gains < 10% req/s, < 10% less CPU/req, JIT < 5% of its CPU; at most ${warmup} s); the same self-signed EC P-256 certificate"
echo "for both servers; access logs off."
[ "$close_seconds" -gt 0 ] && echo "Then -d${close_seconds}s with -H 'Connection: close' (after a 2 s warm-up): one TLS handshake per request."
echo "(errors: wrk's socket errors (connect, read, write, timeout) / responses with status >= 400; server CPU: user +"
echo " system of all server processes over the run, per request and in % of one core; wrk and other (the rest of the"
echo " machine) likewise, in % of one core; core wait: how long the server's threads waited for a core each time they"
echo " woke, on average over the run: run-queue wait / time slices from /proc/PID/task/*/schedstat)"
[ -n "$gatehouse" ] || echo "ONLY_NGINX=1: Gatehouse not measured"
round shared
[ "${PINNED:-1}" = 0 ] || round pinned
