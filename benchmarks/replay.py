"""`make bench ONLY=S1` (its replay part): a read model rebuilt from a long topic, the consumer's lag gauge watched.

N agency registrations are written to a fresh topic, then training's real consumer runtime replays them into its
read model from the start, as after a new deployment or a reset of its group. Measured twice, at N/4 and N
events: the time per event must not grow with the backlog (linear time), and the process's resident memory,
sampled while the larger replay runs, must stay flat (growth under 10% between the first quarter and the end); and
the consumer's lag gauge must tell what is left to apply (within 1% of the backlog or one fetch batch, whichever is
more, by the runtime's own count) all the way down.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.consumer import BATCH, replay, write_round
from benchmarks.table import Row, run_standalone, stack_endpoints
from tests.support import Deployment


async def measure(events: int = 1_000_000) -> list[Row]:
    deployment = Deployment(await stack_endpoints())
    await deployment.create("training")
    small = events // 4
    try:
        await write_round(deployment, f"{deployment.prefix}.s1a.", small)
        small_seconds = (await replay(deployment, f"{deployment.prefix}.s1a.", small)).seconds
        await write_round(deployment, f"{deployment.prefix}.s1b.", events)
        large = await replay(deployment, f"{deployment.prefix}.s1b.", events)
    finally:
        await deployment.destroy()
    large_seconds, samples = large.seconds, large.rss
    # Truthful lag: once the gauge reports (the first fetch), it tracks what is left by the runtime's own count.
    reporting = large.lag[next((i for i, (_, lag) in enumerate(large.lag) if lag > 0), len(large.lag)) :]
    off_by = max((abs(lag - left) for left, lag in reporting), default=float(events))
    tolerance = max(events / 100, BATCH)  # the gauge moves once a batch: one batch is its resolution
    truthful = bool(reporting) and off_by <= tolerance
    per_event_small, per_event_large = small_seconds / small, large_seconds / events
    growth_ratio = per_event_large / per_event_small
    quarter = samples[max(0, len(samples) // 4 - 1)]
    rss_growth = samples[-1] / quarter - 1
    print(
        f"S1 replay: {small:,} in {small_seconds:.0f} s, {events:,} in {large_seconds:.0f} s; "
        f"RSS {quarter / 2**20:.0f} -> {samples[-1] / 2**20:.0f} MiB; lag gauge off by at most {off_by:,.0f} "
        f"events over {len(reporting)} samples",
        file=sys.stderr,
    )
    return [
        Row(
            "S1",
            f"read model replayed from {events:,} events (catching up that backlog)",
            f"{small:,} events: {small_seconds:.0f} s ({small / small_seconds:,.0f} ev/s)",
            f"{events:,} events: {large_seconds:.0f} s ({events / large_seconds:,.0f} ev/s); RSS "
            f"{quarter / 2**20:.0f} -> {samples[-1] / 2**20:.0f} MiB after the first quarter; the lag gauge "
            f"within {off_by:,.0f} events of what was left",
            f"time/event {growth_ratio:.2f}x, RSS {rss_growth:+.0%}, lag off {off_by / events:.2%}",
            "<= 1.2x, < +10%, lag within 1% or a batch",
            growth_ratio <= 1.2 and rss_growth < 0.10 and truthful,
            {
                "per_event_ratio": growth_ratio,
                "rss_growth": rss_growth,
                "events_per_s": events / large_seconds,
                "lag_off_by": off_by,
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
