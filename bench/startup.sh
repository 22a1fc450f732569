#!/usr/bin/env bash
# Cold start of the assembled server: time from exec to "started" (all bundles active and their
# listeners bound: the launcher counts the listening sockets in that line), first run
# without a class-data sharing archive, then RUNS runs with it. Prints each figure and the median.
# Usage: bench/startup.sh [RUNS]   (after `mvn package`; uses distribution/target/gatehouse)
set -euo pipefail
runs=${1:-5}
src=$(cd "$(dirname "$0")/.." && pwd)/distribution/target/gatehouse
[ -x "$src/bin/gatehouse" ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/gatehouse"
rm -rf "$work/gatehouse/data/cds" "$work/gatehouse/data/cache" "$work/gatehouse/data/log"
# Loopback only: STUN on an ephemeral 127.0.0.1 port instead of 0.0.0.0:3478.
printf 'listen = 127.0.0.1:0\ntls-listen = 127.0.0.1:0\n' > "$work/gatehouse/etc/org.gatehouse.stun.cfg"
sed -i -e 's/^https-listen *=.*/https-listen = 127.0.0.1:0/' -e 's/^http-listen *=.*/http-listen = 127.0.0.1:0/' "$work/gatehouse/etc/org.gatehouse.tls.cfg"
printf 'listen = 127.0.0.1:0\n' > "$work/gatehouse/etc/org.gatehouse.status.cfg"
# The remote shell too: an ephemeral loopback port instead of 127.0.0.1:8101, which a running server may hold.
sed -i 's/^listen *=.*/listen = 127.0.0.1:0/' "$work/gatehouse/etc/org.gatehouse.ssh.cfg"

one() {
    local out=$work/out.txt start end pid
    start=$(date +%s%N)
    "$work/gatehouse/bin/gatehouse" --no-console >"$out" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 300); do
        grep -q ' started in ' "$out" && break
        sleep 0.01
    done
    end=$(date +%s%N)
    local reported
    reported=$(sed -n 's/.* started in \([0-9]*\) ms.*/\1/p' "$out")
    kill -TERM "$pid"
    wait "$pid" || true
    [ -n "$reported" ] || { cat "$out" >&2; exit 1; }
    echo "$reported $(( (end - start) / 1000000 ))"
}

read -r jvm wall <<<"$(one)"
echo "first start (no CDS archive): ${jvm} ms JVM uptime at all-bundles-active, ${wall} ms wall"
figures=()
for i in $(seq 1 "$runs"); do
    read -r jvm wall <<<"$(one)"
    echo "start $i (CDS archive):        ${jvm} ms JVM uptime, ${wall} ms wall"
    figures+=("$wall")
done
median=$(printf '%s\n' "${figures[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median wall time to all bundles active: ${median} ms over $runs runs (nproc=$(nproc))"
