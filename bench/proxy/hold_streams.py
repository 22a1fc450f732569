#!/usr/bin/env python3
"""Event-stream client for bench/proxy.sh: opens COUNT HTTPS connections to 127.0.0.1:PORT (at most
PARALLEL connecting at a time, certificates not checked), sends GET /events on each, and counts a
stream as held once the response's status line is 200 and its first event-stream chunk (a comment
line) has arrived through the proxy. Stops opening after SECONDS. Prints one line
"held N of COUNT streams in T s (failures: ...)" and then holds them, sending nothing, until SIGTERM
or SECONDS more have passed; then prints how many were still open, closes them and exits.

usage: hold_streams.py PORT COUNT [SECONDS=60] [PARALLEL=200]
"""
import asyncio
import collections
import signal
import ssl
import sys
import time

port, count = int(sys.argv[1]), int(sys.argv[2])
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
parallel = int(sys.argv[4]) if len(sys.argv) > 4 else 200
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
failures = collections.Counter()
held = []          # (reader, writer) of streams that are open
ended = 0          # streams the proxy closed while held
request = (b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
           b"Cache-Control: no-cache\r\n\r\n")


async def watch(reader):
    """Notices a stream that the proxy ends while it is held."""
    global ended
    try:
        while await reader.read(4096):
            pass
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    ended += 1


async def open_one(gate, deadline):
    async with gate:
        left = deadline - time.monotonic()
        if left <= 0:
            failures["not tried in time"] += 1
            return
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=ctx, limit=65536), left)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), max(0.1, deadline - time.monotonic()))
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status + b" " or b"text/event-stream" not in head.lower():
                failures[status.decode("latin-1")[:40]] += 1
                writer.close()
                return
            # First chunk: "<size>\r\n: stream open\n\n\r\n" (chunked) or the comment itself.
            first = await asyncio.wait_for(reader.readuntil(b"\n\n"), max(0.1, deadline - time.monotonic()))
            if b":" not in first:
                failures["no first event"] += 1
                writer.close()
                return
            held.append((reader, writer))
            asyncio.ensure_future(watch(reader))
        except asyncio.TimeoutError:
            failures["timeout"] += 1
        except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError) as e:
            failures[type(e).__name__ + (f" {e.errno}" if isinstance(e, OSError) and e.errno else "")] += 1


async def main():
    start = time.monotonic()
    deadline = start + seconds
    gate = asyncio.Semaphore(parallel)
    await asyncio.gather(*(open_one(gate, deadline) for _ in range(count)))
    took = time.monotonic() - start
    why = ", ".join(f"{n} {k}" for k, n in failures.most_common()) or "none"
    print(f"held {len(held)} of {count} streams in {took:.1f} s (failures: {why})", flush=True)
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    try:
        await asyncio.wait_for(done.wait(), seconds)
    except asyncio.TimeoutError:
        pass
    print(f"after holding {time.monotonic() - start - took:.1f} s: {len(held) - ended} still open, {ended} ended by the proxy",
          flush=True)
    for _, w in held:
        w.transport.abort()


asyncio.run(main())
