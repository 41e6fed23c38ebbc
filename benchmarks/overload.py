"""`make bench ONLY=OV`: the partners API at twice the rate it holds.

First its capacity: a closed loop of 16 connections registering agencies. Then an open loop at twice that rate
for a while, over up to 256 connections (a flood does not wait for answers). Held: every answer is 201, 429 or
503 with Retry-After (never a 500, never a reset), the process survives, its memory stays bounded, and the outbox
backlog the burst leaves is drained by the relay afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import asyncpg
import psutil

from benchmarks.api import AgencyRequests
from benchmarks.load import closed_loop, open_loop
from benchmarks.served import partners_api
from benchmarks.table import Row, run_standalone

ACCEPTABLE = {201, 429, 503}


async def measure(seconds: float = 15.0) -> list[Row]:
    async with partners_api(("partners", "relay")) as served:
        api, url = served.api, served.url
        db = await asyncpg.connect(served.dsn("partners"))
        try:
            assert api.proc is not None
            process = psutil.Process(api.proc.pid)
            token = served.coordinator()
            held = await closed_loop(url, AgencyRequests(token, idempotent=True), count=600, concurrency=16)
            rss_before = process.memory_info().rss
            rate = 2 * held.rate
            peak_backlog = 0

            async def watch_backlog(stop: asyncio.Event) -> None:
                nonlocal peak_backlog
                while not stop.is_set():
                    peak_backlog = max(peak_backlog, int(await db.fetchval("SELECT count(*) FROM outbox")))
                    await asyncio.sleep(0.5)

            stop = asyncio.Event()
            watching = asyncio.create_task(watch_backlog(stop))
            flood = await open_loop(
                url, AgencyRequests(token, idempotent=True), rate=rate, seconds=seconds, connections=256
            )
            stop.set()
            await watching
            rss_after = process.memory_info().rss
            started = time.monotonic()
            while time.monotonic() - started < 120:
                if not int(await db.fetchval("SELECT count(*) FROM outbox")):
                    break
                await asyncio.sleep(0.5)
            drained_after = time.monotonic() - started
            left = int(await db.fetchval("SELECT count(*) FROM outbox"))
            alive = api.returncode is None
        finally:
            await db.close()
    unexpected = {s: n for s, n in flood.statuses.items() if s not in ACCEPTABLE}
    growth = rss_after / rss_before - 1
    met = not unexpected and alive and left == 0 and growth < 0.5
    return [
        Row(
            "OV",
            f"partners API flooded at 2x the {held.rate:,.0f} rps it holds, {seconds:.0f} s, 256 connections",
            f"capacity (closed loop, 16 connections) {held.rate:,.0f} rps",
            f"answers {dict(sorted(flood.statuses.items()))}; RSS {rss_before / 2**20:.0f} -> "
            f"{rss_after / 2**20:.0f} MiB; outbox peak {peak_backlog}, drained {drained_after:.1f} s after; "
            f"process {'alive' if alive else 'DEAD'}",
            "only 201/429/503" if not unexpected else f"unexpected {unexpected}",
            "201/429/503, alive, drained",
            met,
            {
                "capacity_rps": held.rate,
                "flood_rps": rate,
                "shed_503": float(flood.statuses.get(503, 0)),
                "accepted_201": float(flood.statuses.get(201, 0)),
                "rss_growth": growth,
                "outbox_peak": float(peak_backlog),
            },
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.seconds)))
