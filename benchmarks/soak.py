"""`make bench ONLY=S1H` (S1's soak): the backbone's processes at half their capacity for an hour, memory sampled.

The processes `make chaos` runs (the partners and training APIs and relays, training's consumer, the national feed
with three subscribers, the worker), here without faults, serve the chaos workload: agencies registered, given
contacts, a facility in training registered and booked, onboarded through a workflow. First the workload runs as
fast as it goes for a minute: that is the capacity, in acknowledged requests per second. Then it runs on a fixed
schedule at half that for the soak (`SOAK_MINUTES`, 60 by default), while each process's resident memory (with its
children) is sampled every 30 s.

Goal: no process grows by 10% or more, from the median of its first samples after the warm-up (the first fifth)
to the median of its last ones; and afterwards the chaos checks hold (nothing lost, duplicated, out of order or
leaked; every onboarding completed; the audit chain intact).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from backbone.feed.subscribers import Registry
from benchmarks.table import Row, resident_memory, run_standalone, stack_endpoints
from chaos.fleet import SERVICES, Fleet
from chaos.harness import SUBSCRIBERS
from chaos.verify import Findings, check, wait_applied, wait_drained, wait_forwarded
from chaos.workload import Workload
from devstack.config import StackConfig
from tests.support import Deployment, TestIssuer

SAMPLE_EVERY = 30.0
WINDOW = 5
"""Samples whose median stands for the start (after the warm-up) and for the end."""


def _acknowledged(workload: Workload) -> int:
    return sum(n for status, n in workload.tally.statuses.items() if 200 <= status < 300)


async def _capacity(workload: Workload, seconds: float) -> float:
    """Acknowledged requests per second with the lanes never waiting for a slot."""
    stop = asyncio.Event()
    driving = asyncio.create_task(workload.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await driving
    return _acknowledged(workload) / seconds


async def measure(minutes: float | None = None) -> list[Row]:
    minutes = minutes if minutes is not None else float(os.environ.get("SOAK_MINUTES", "60"))
    folder = Path(tempfile.mkdtemp(prefix="soak-", dir=StackConfig.from_env().state_dir))
    issuer = TestIssuer(folder / "issuer")
    issuer.start()
    deployment = Deployment(await stack_endpoints(), issuer)
    registry = Registry(folder / "feed.json")
    for subscriber in SUBSCRIBERS:
        registry.add(subscriber)
    fleet = Fleet(deployment, folder / "logs", registry.path)

    try:
        await deployment.create(*SERVICES)
        await fleet.start()

        def workload(seed: int, concurrency: int, pace: float | None = None) -> Workload:
            return Workload(
                fleet.urls,
                issuer,
                flows=10**9,
                contacts_per_agency=3,
                concurrency=concurrency,
                seed=seed,
                pace=pace,
            )

        flat_out = workload(seed=1, concurrency=8)
        capacity = await _capacity(flat_out, 60.0)
        soak = workload(seed=2, concurrency=16, pace=capacity / 2)
        print(
            f"S1H: capacity {capacity:.1f} req/s; soaking at {capacity / 2:.1f} for {minutes:g} min",
            file=sys.stderr,
        )
        samples: dict[str, list[int]] = {name: [] for name in fleet.members}
        stop = asyncio.Event()
        driving = asyncio.create_task(soak.run(stop))
        started = time.monotonic()
        while time.monotonic() - started < minutes * 60:
            await asyncio.sleep(SAMPLE_EVERY)
            fleet.check_alive()
            for name, process in fleet.members.items():
                assert process.proc is not None
                samples[name].append(resident_memory(process.proc.pid))
        stop.set()
        await driving
        soaked = time.monotonic() - started
        await wait_drained(deployment, 300)
        flows, partnerships = flat_out.flows + soak.flows, flat_out.partnerships + soak.partnerships
        await wait_applied(deployment, flows, partnerships, 300)
        feed_behind = await wait_forwarded(deployment, f"{deployment.topic_prefix}feed", 300)
        findings = await check(deployment, flows, partnerships, SUBSCRIBERS)
        fleet.check_alive()
    finally:
        fleet.stop()
        issuer.stop()
        await deployment.destroy()
    row = _row(capacity, soak, soaked, samples, findings, [*fleet.unexpected_exits, *feed_behind])
    if row.met:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"S1H: logs kept in {folder / 'logs'}", file=sys.stderr)
    return [row]


def _row(
    capacity: float,
    soak: Workload,
    seconds: float,
    samples: dict[str, list[int]],
    findings: Findings,
    failures: list[str],
) -> Row:
    """`failures`: processes that died unkilled, and source partitions the feed never caught up on."""
    growth: dict[str, float] = {}
    described = []
    for name, series in samples.items():
        after_warmup = series[len(series) // 5 :][:WINDOW]
        start, end = statistics.median(after_warmup), statistics.median(series[-WINDOW:])
        growth[name] = end / start - 1
        described.append(f"{name} {start / 2**20:.0f}->{end / 2**20:.0f} MiB")
    worst = max(growth, key=lambda name: growth[name])
    rate = _acknowledged(soak) / seconds
    correct = findings.clean and not failures and not soak.tally.refused
    print(
        f"S1H: {_acknowledged(soak):,} writes in {seconds / 60:.0f} min ({rate:.1f}/s); "
        f"{'; '.join(described)}; checks {'clean' if correct else 'NOT clean'}",
        file=sys.stderr,
    )
    for problem in [
        *findings.lost,
        *findings.duplicated,
        *findings.workflows,
        *failures,
        *soak.tally.refused,
    ][:10]:
        print(f"S1H finding: {problem}", file=sys.stderr)
    return Row(
        "S1H",
        f"soak: the chaos workload without faults at half capacity for {seconds / 60:.0f} min",
        f"capacity {capacity:.1f} acknowledged req/s (1 min flat out)",
        f"{rate:.1f} req/s, {_acknowledged(soak):,} writes, {findings.acknowledged:,} checked; "
        + ", ".join(described),
        f"worst RSS {worst} {growth[worst]:+.1%}; checks {'clean' if correct else 'NOT clean'}",
        "< +10%, clean",
        growth[worst] < 0.10 and correct,
        {f"rss_growth_{name}": g for name, g in growth.items()}
        | {"capacity_rps": capacity, "soak_rps": rate},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=None, help="default: $SOAK_MINUTES or 60")
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.minutes)))
