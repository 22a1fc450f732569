#!/usr/bin/env bash
# Two Gatehouse builds side by side under the same HTTPS->HTTP proxy load, for a before/after CPU
# figure that other work on the machine cannot skew one way: both proxy to the same 3 nginx backends
# (one worker, a BYTES-byte file), each loaded by its own wrk at the same time, ROUNDS rounds of
# SECONDS after a warm-up; per round each one's CPU per request (user + system ticks of its JVM over
# the requests its wrk counted), the ratio B/A and its median over the rounds.
# usage: bench/proxy-paired.sh DIST_A DIST_B [ROUNDS=8] [SECONDS=5] [CONNECTIONS=16] [BYTES=1024]
#   WARMUP=30: seconds of load on both before the first round. PATH_=/tls/hello.html for HTTPS->HTTPS.
set -euo pipefail
dist_a=$1 dist_b=$2 rounds=${3:-8} seconds=${4:-5} connections=${5:-16} bytes=${6:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$dist_a
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_requirements
bench_init
mode=shared server_cpu="" client_cpu="" warmup=0
path=${PATH_:-/hello.html}

mkdir -p "$work/www/tls" "$work/backends/tmp"
chmod 755 "$work" "$work/www" "$work/www/tls"
head -c "$bytes" /dev/zero | tr '\0' 'x' >"$work/www/hello.html"
cp "$work/www/hello.html" "$work/www/tls/hello.html"
make_certificate "$work"
plain="$(free_port) $(free_port) $(free_port)" tlsports="$(free_port) $(free_port) $(free_port)"
{
    echo "worker_processes 1; pid $work/backends/nginx.pid; error_log $work/backends/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; keepalive_requests 1000000; client_body_temp_path $work/backends/tmp;"
    echo "  server {"; for p in $plain; do echo "    listen 127.0.0.1:$p;"; done; echo "    root $work/www; }"
    echo "  server {"; for p in $tlsports; do echo "    listen 127.0.0.1:$p ssl;"; done
    echo "    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; root $work/www; }"
    echo "}"
} >"$work/backends/nginx.conf"
nginx -c "$work/backends/nginx.conf" -p "$work/backends" -e "$work/backends/error.log" -g 'daemon off;' >/dev/null 2>&1 </dev/null &
pids+=("$!")
for p in $plain; do answers_200 "http://127.0.0.1:$p/hello.html" 5 >/dev/null; done

list() { local out="" p; for p in "$@"; do out="$out${out:+, }127.0.0.1:$p"; done; echo "$out"; }
start() {   # $1 name, $2 distribution; sets port_$1 and pid_$1
    local g=$work/$1 port
    port=$(free_port)
    dist=$2
    gatehouse_prepare "$g" "$port" "$work/server.pem"
    rm -f "$g"/etc/org.gatehouse.balancer.pool-*.cfg
    # shellcheck disable=SC2086
    printf 'nodes = %s\nroutes = /\ntls = false\nkeepalive = 32\n' "$(list $plain)" >"$g/etc/org.gatehouse.balancer.pool-conferencing.cfg"
    # shellcheck disable=SC2086
    printf 'nodes = %s\nroutes = /tls/\ntls = true\ntls-trust-all = true\nkeepalive = 32\n' "$(list $tlsports)" \
        >"$g/etc/org.gatehouse.balancer.pool-tlsnodes.cfg"
    gatehouse_launch "$g" "$work/$1.out"
    answers_200 "https://127.0.0.1:$port$path" 5 >/dev/null || { echo "$1 does not answer 200" >&2; tail "$work/$1.out" >&2; exit 1; }
    printf -v "port_$1" '%s' "$port"
    printf -v "pid_$1" '%s' "$spid"
}
start a "$dist_a"
start b "$dist_b"
both() {   # $1 seconds; prints "ticks_a requests_a ticks_b requests_b"
    local ka kb
    ka=$(server_ticks "$pid_a") kb=$(server_ticks "$pid_b")
    wrk -t1 -c"$connections" -d"$1s" "https://127.0.0.1:$port_a$path" >"$work/a.wrk" 2>&1 &
    local wa=$!
    wrk -t1 -c"$connections" -d"$1s" "https://127.0.0.1:$port_b$path" >"$work/b.wrk" 2>&1
    wait "$wa"
    echo "$(($(server_ticks "$pid_a") - ka)) $(awk '/ requests in /{print $1}' "$work/a.wrk") $(($(server_ticks "$pid_b") - kb)) $(awk '/ requests in /{print $1}' "$work/b.wrk")"
}
both "${WARMUP:-30}" >/dev/null
echo "paired HTTPS->HTTP ($path), $connections connections each, $rounds rounds of $seconds s: A=$dist_a B=$dist_b"
printf '%-6s %10s %12s %10s %12s %8s\n' round "A req/s" "A us/req" "B req/s" "B us/req" "B/A CPU"
for r in $(seq 1 "$rounds"); do
    read -r ta na tb nb <<<"$(both "$seconds")"
    awk -v r="$r" -v ta="$ta" -v na="$na" -v tb="$tb" -v nb="$nb" -v hz="$hz" -v s="$seconds" 'BEGIN {
        ca = ta * 1e6 / hz / na; cb = tb * 1e6 / hz / nb
        printf "%-6s %10.0f %12.1f %10.0f %12.1f %7.2fx\n", r, na / s, ca, nb / s, cb, cb / ca }' | tee -a "$work/rounds"
done
# The median ratio: the first rounds after a short warm-up can still be compiling, in either JVM.
sort -n -k6 "$work/rounds" | awk '{ r[NR] = $6 + 0; if ($6 + 0 < 1) lower++ } END {
    m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median B/A CPU per request %.2fx (B lower in %d of %d rounds)\n", m, lower, NR }'
