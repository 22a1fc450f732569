#!/usr/bin/env python3
"""A conferencing node's event stream, for bench/proxy.sh: answers GET /events on each of the given
127.0.0.1 ports with a text/event-stream response (chunked, one comment as the first chunk) and then
holds the connection open without sending anything, as a node does for an idle client; any other
path gets a small 200 on a kept-alive connection. Prints "ready" once listening; on SIGTERM prints
how many streams it held at most and how many were open, and exits.

usage: sse_backend.py PORT...
"""
import asyncio
import signal
import sys

HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n")
FIRST = b": stream open\n\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
open_streams = 0
most_streams = 0


async def serve(reader, writer):
    global open_streams, most_streams
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            if path.startswith(b"/events"):
                writer.write(HEAD + b"%x\r\n%s\r\n" % (len(FIRST), FIRST))
                open_streams += 1
                most_streams = max(most_streams, open_streams)
                try:
                    while await reader.read(4096):   # held until the proxy closes it
                        pass
                finally:
                    open_streams -= 1
                return
            writer.write(OK)
    except (asyncio.IncompleteReadError, ConnectionError, IndexError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main(ports):
    servers = [await asyncio.start_server(serve, "127.0.0.1", int(p), backlog=4096) for p in ports]
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    print("ready", flush=True)
    await done.wait()
    print(f"backend: held at most {most_streams} streams, {open_streams} open at the end", flush=True)
    for s in servers:
        s.close()


asyncio.run(main(sys.argv[1:]))
