#!/usr/bin/env python3
"""The workloads of benches/runtime.rs on CPython's asyncio, for BENCHMARKS.md section 5.

    python3 benches/runtime_asyncio.py

Same shapes as `benches/workloads/runtime.rs`: spawn N tasks that each `await asyncio.sleep(0)`
once and are awaited in order; ping-pong round trips where each reply comes back on a fresh
`loop.create_future()`; N tasks sleeping until deadlines spread over 50 ms, reporting how late
the last one finishes after the last deadline. Prints the median of a few runs of each. Ping-pong
runs 100,000 round trips (a million takes CPython several seconds per run); the figure per
round trip is what compares.
"""

import asyncio
import statistics
import sys
import time

SPAWN_TASKS = 100_000
ROUND_TRIPS = 100_000
TIMERS = 100_000
SPREAD = 0.050
RUNS = 5


async def spawn(n):
    total = 0

    async def tick(i):
        nonlocal total
        await asyncio.sleep(0)
        total += i

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(tick(i)) for i in range(n)]
    for task in tasks:
        await task
    assert total == n * (n - 1) // 2


async def ping_pong(n):
    loop = asyncio.get_running_loop()

    async def pong(inbox):
        while True:
            msg = await inbox
            if msg is None:
                return
            value, reply = msg
            nxt = loop.create_future()
            reply.set_result((value + 1, nxt))
            inbox = nxt

    first = loop.create_future()
    pong_task = loop.create_task(pong(first))
    to_pong = first
    last = 0
    for i in range(n):
        reply = loop.create_future()
        to_pong.set_result((i, reply))
        last, to_pong = await reply
    to_pong.set_result(None)
    await pong_task
    assert last == n


async def timers(n):
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    deadlines = [start + SPREAD * i / n for i in range(n)]

    async def timer(d):
        await asyncio.sleep(max(0.0, d - time.monotonic()))

    tasks = [loop.create_task(timer(d)) for d in deadlines]
    for task in tasks:
        await task
    return time.monotonic() - deadlines[-1]


def median_time(make, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        asyncio.run(make())
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    print(f"CPython {sys.version.split()[0]}, asyncio, median of {RUNS} runs")
    t = median_time(lambda: spawn(SPAWN_TASKS))
    print(f"spawn {SPAWN_TASKS} tasks that yield once: {t * 1e3:.1f} ms, {t / SPAWN_TASKS * 1e9:.0f} ns per task")
    t = median_time(lambda: ping_pong(ROUND_TRIPS))
    print(f"ping-pong {ROUND_TRIPS} round trips: {t * 1e3:.1f} ms, {t / ROUND_TRIPS * 1e9:.0f} ns per round trip")
    late = statistics.median(asyncio.run(timers(TIMERS)) for _ in range(RUNS))
    print(f"{TIMERS} timers over {SPREAD * 1e3:.0f} ms: last done {late * 1e3:.1f} ms after the last deadline")


if __name__ == "__main__":
    main()
