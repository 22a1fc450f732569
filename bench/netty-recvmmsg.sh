#!/usr/bin/env bash
# Does Netty's batched UDP receive (recvmmsg) deliver each datagram with its own sender and content?
# Runs a bare Netty epoll echo server three times — recvmsg, recvmmsg, and recvmmsg with the socket
# level-triggered — under the STUN load client,
# which tags each request with its socket and counts answers that reach another socket
# ("misdelivered"). Loopback only; about 40 s. Needs a built distribution (for the Netty jars).
# usage: bench/netty-recvmmsg.sh [SECONDS]
set -euo pipefail
seconds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
system=$root/distribution/target/gatehouse/system
ls "$system"/netty-transport-classes-epoll-*.jar >/dev/null 2>&1 || { echo "build first: mvn -q package -DskipTests" >&2; exit 2; }
cp=$(ls "$system"/netty-*.jar | tr '\n' ':')
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

printf '%-9s %12s %10s %13s\n' receive "answers/s" stalled misdelivered
for mode in recvmsg recvmmsg recvmmsg-lt; do
    java -cp "$cp" "$root/bench/stun/NettyUdpEcho.java" "$port" "$mode" >"$work/echo.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q ready "$work/echo.out" && break; sleep 0.1; done
    read -r rps stalled _cpu _n mis <<<"$(java "$root/bench/stun/BindingLoad.java" 127.0.0.1 "$port" "$pid" "$seconds" 3 8 32)"
    printf '%-9s %12s %10s %13s\n' "$mode" "$rps" "$stalled" "$mis"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=
done
