"""What every benchmark reports: rows of a figure against a baseline measured in the same run, printed as one
table and written to `bench.json` (with the machine's description: absolute figures mean little without it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from devstack.config import StackConfig
from devstack.infra import Endpoints, ensure_infra, stop_started


@dataclass(frozen=True)
class Row:
    id: str
    what: str
    baseline: str
    measured: str
    result: str
    goal: str
    met: bool | None
    """None: reported without a goal (a ceiling, a reference)."""
    figures: dict[str, float] = field(default_factory=dict)


def verdict(met: bool | None) -> str:
    return "report" if met is None else ("OK" if met else "MISSED")


def median_ratio(measured: Sequence[float], baseline: Sequence[float]) -> float:
    """Each round measures both back to back, so the median of per-round ratios cancels a slow phase of this
    shared machine better than a ratio of medians."""
    return statistics.median(m / b for m, b in zip(measured, baseline, strict=True))


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def print_table(rows: Sequence[Row]) -> None:
    print()
    print(f"{'id':<4} {'result':<34} {'goal':<14} {'verdict':<8} what")
    for row in rows:
        print(f"{row.id:<4} {row.result:<34} {row.goal:<14} {verdict(row.met):<8} {row.what}")
        print(f"{'':<4} baseline: {row.baseline}")
        print(f"{'':<4} measured: {row.measured}")


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def resident_memory(pid: int) -> int:
    """A process's resident memory with its children's (a served process may run its work in a child)."""
    process = psutil.Process(pid)
    total = 0
    for member in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):  # a child that ended between listing and reading
            total += member.memory_info().rss
    return total


def write_json(rows: Sequence[Row], path: Path) -> None:
    path.write_text(json.dumps({"machine": machine(), "rows": [asdict(r) for r in rows]}, indent=2) + "\n")


async def stack_endpoints() -> Endpoints:
    """The running stack's endpoints (the runner or `run_standalone` started what was missing)."""
    endpoints, _ = await asyncio.to_thread(ensure_infra, StackConfig.from_env())
    return endpoints


Measure = Callable[[], Awaitable[list[Row]]]


def run_standalone(measure: Measure) -> int:
    """`python -m benchmarks.<name>`: the stack started if needed (and stopped after if this started it)."""

    async def main() -> list[Row]:
        config = StackConfig.from_env()
        _, started = await asyncio.to_thread(ensure_infra, config)
        try:
            return await measure()
        finally:
            await asyncio.to_thread(stop_started, config, started)

    rows = asyncio.run(main())
    print_table(rows)
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit("run `python -m benchmarks` or one benchmark module")
