#!/usr/bin/env python3
"""What waking a sleeping core costs on this machine: round trips of one byte over two pipes between
a process on core 0 and one on core 1, back to back (the partner's core never sleeps long) and with
a busy gap before each round trip (the partner's core idles long enough to halt). On a virtual
machine without guest halt polling, a halted core is woken by the host: the gap's round trips show
what every wake-up of an idle I/O thread pays, and how often it pays milliseconds.

usage: bench/wake-latency.py [ROUND_TRIPS] [GAP_US]   (defaults 20000 and 200; needs 2 cores)
Prints p50, p90, p99, p99.9 and the maximum in microseconds, for both ways. No network at all.
"""
import os
import sys
import time


def round_trips(count, gap_s):
    to_partner_r, to_partner_w = os.pipe()
    back_r, back_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, {1})
        for _ in range(count):
            os.read(to_partner_r, 1)
            os.write(back_w, b"x")
        os._exit(0)
    os.sched_setaffinity(0, {0})
    took = []
    try:
        for _ in range(count):
            if gap_s:
                # Busy here, so that only the partner's core goes idle.
                until = time.perf_counter() + gap_s
                while time.perf_counter() < until:
                    pass
            t0 = time.perf_counter_ns()
            os.write(to_partner_w, b"x")
            os.read(back_r, 1)
            took.append((time.perf_counter_ns() - t0) / 1000)
    finally:
        os.waitpid(pid, 0)
        for fd in (to_partner_r, to_partner_w, back_r, back_w):
            os.close(fd)
    took.sort()
    q = [took[min(len(took) - 1, int(len(took) * p))] for p in (0.5, 0.9, 0.99, 0.999)]
    return "p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f us" % (*q, took[-1])


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    gap_us = float(sys.argv[2]) if len(sys.argv) > 2 else 200
    if count < 1 or count > 1_000_000 or gap_us < 0 or gap_us > 100_000:
        sys.exit("usage: wake-latency.py [ROUND_TRIPS 1..1000000] [GAP_US 0..100000]")
    if os.cpu_count() < 2:
        sys.exit("needs 2 cores")
    print("back to back:          " + round_trips(count, 0))
    print("after %5.0f us idle:    " % gap_us + round_trips(min(count, 5000), gap_us / 1e6))


if __name__ == "__main__":
    main()
