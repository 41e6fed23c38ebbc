"""`make bench ONLY=S1` (its replay part): a read model rebuilt from a long topic.

N agency registrations are written to a fresh topic, then training's real consumer runtime replays them into its
read model from the start, as after a new deployment or a reset of its group. Measured twice, at N/4 and N
events: the time per event must not grow with the backlog (linear time), and the process's resident memory,
sampled while the larger replay runs, must stay flat (growth under 10% between the first quarter and the end).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

import psutil
from prometheus_client import REGISTRY

from backbone.consumer import EventConsumer
from backbone.db import create_engine, create_sessionmaker
from benchmarks.consumer import BATCH, write_round
from benchmarks.table import Row, run_standalone, stack_endpoints
from contracts.events.partners import AgencyRegisteredV1
from services.training.handlers import subscription
from tests.support import Deployment


def handled_so_far() -> float:
    return (
        REGISTRY.get_sample_value(
            "consumer_events_handled_total",
            {"service": "training", "event_type": AgencyRegisteredV1.event_type},
        )
        or 0.0
    )


async def replay(deployment: Deployment, prefix: str, count: int) -> tuple[float, list[int]]:
    """Seconds to apply `count` events, and the process's RSS sampled along the way."""
    group = f"bench-replay-{uuid.uuid4().hex[:8]}"
    settings = deployment.settings(
        "training", topic_prefix=prefix, consumer_group=group, consumer_batch_max=BATCH
    )
    engine = create_engine(settings)
    runtime = EventConsumer(settings, create_sessionmaker(engine), subscription(settings), group_id=group)
    me = psutil.Process()
    before = handled_so_far()
    samples: list[int] = []
    start = time.perf_counter()
    task = asyncio.create_task(runtime.run())
    try:
        while True:
            handled = handled_so_far() - before  # the runtime's own counter: polling the inbox would load it
            samples.append(me.memory_info().rss)
            if handled >= count:
                return time.perf_counter() - start, samples
            if task.done():
                task.result()
            await asyncio.sleep(1.0)
    finally:
        runtime.stop()
        await task
        await engine.dispose()


async def measure(events: int = 1_000_000) -> list[Row]:
    deployment = Deployment(await stack_endpoints())
    await deployment.create("training")
    small = events // 4
    try:
        await write_round(deployment, f"{deployment.prefix}.s1a.", small)
        small_seconds, _ = await replay(deployment, f"{deployment.prefix}.s1a.", small)
        await write_round(deployment, f"{deployment.prefix}.s1b.", events)
        large_seconds, samples = await replay(deployment, f"{deployment.prefix}.s1b.", events)
    finally:
        await deployment.destroy()
    per_event_small, per_event_large = small_seconds / small, large_seconds / events
    growth_ratio = per_event_large / per_event_small
    quarter = samples[max(0, len(samples) // 4 - 1)]
    rss_growth = samples[-1] / quarter - 1
    print(
        f"S1 replay: {small:,} in {small_seconds:.0f} s, {events:,} in {large_seconds:.0f} s; "
        f"RSS {quarter / 2**20:.0f} -> {samples[-1] / 2**20:.0f} MiB",
        file=sys.stderr,
    )
    return [
        Row(
            "S1",
            f"read model replayed from {events:,} events (the 10,000 workflows and the 1-hour soak: not measured)",
            f"{small:,} events: {small_seconds:.0f} s ({small / small_seconds:,.0f} ev/s)",
            f"{events:,} events: {large_seconds:.0f} s ({events / large_seconds:,.0f} ev/s); RSS "
            f"{quarter / 2**20:.0f} -> {samples[-1] / 2**20:.0f} MiB after the first quarter",
            f"time/event {growth_ratio:.2f}x, RSS {rss_growth:+.0%}",
            "<= 1.2x, < +10%",
            growth_ratio <= 1.2 and rss_growth < 0.10,
            {
                "per_event_ratio": growth_ratio,
                "rss_growth": rss_growth,
                "events_per_s": events / large_seconds,
            },
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.events)))
