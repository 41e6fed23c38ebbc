"""`make bench [ONLY=K4,H1]`: every benchmark, one table, `bench.json`.

Each benchmark module measures its rows against baselines in the same run; this runner starts the local stack once
(or uses the endpoints configured), runs the chosen modules one after another and prints every row. A module that
fails prints as an error row and the others still run. Exit status 1 when a goal is missed or a module failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import traceback
from pathlib import Path

from benchmarks.table import Row, print_table, write_json
from devstack.config import StackConfig
from devstack.infra import ensure_infra, stop_started

MODULES: dict[str, tuple[str, ...]] = {
    "benchmarks.relay": ("K1", "O1"),
    "benchmarks.consumer": ("K4",),
    "benchmarks.api": ("H1",),
    "benchmarks.usecase": ("D1", "A1"),
    "benchmarks.feed": ("F1",),
    "benchmarks.endtoend": ("E1",),
    "benchmarks.temporal": ("T1",),
    "benchmarks.votes": ("T2",),
    "benchmarks.overload": ("OV",),
    "benchmarks.replay": ("S1",),
    "benchmarks.open_workflows": ("S1W",),
    "benchmarks.soak": ("S1H",),
    "benchmarks.ledger": ("L1",),
}
"""Module -> the row ids it measures (a module measures its rows together: they share a set-up)."""


async def run(only: set[str] | None) -> list[Row]:
    config = StackConfig.from_env()
    _, started = await asyncio.to_thread(ensure_infra, config)
    rows: list[Row] = []
    try:
        for module_name, ids in MODULES.items():
            if only is not None and not only & set(ids):
                continue
            print(f"== {module_name} ({', '.join(ids)})", file=sys.stderr)
            try:
                module = importlib.import_module(module_name)
                measured = await module.measure()
            except Exception as exc:
                traceback.print_exc()
                measured = [
                    Row(i, module_name, "-", "-", f"error: {type(exc).__name__}", "-", False) for i in ids
                ]
            rows.extend(r for r in measured if only is None or r.id in only)
    finally:
        await asyncio.to_thread(stop_started, config, started)  # what `make run` holds stays up
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="", help="comma-separated row ids, e.g. K4,H1")
    parser.add_argument("--json", default="bench.json", help="where to write the rows")
    args = parser.parse_args()
    only = {i.strip().upper() for i in args.only.split(",") if i.strip()} or None
    known = {i for ids in MODULES.values() for i in ids}
    if only and not only <= known:
        parser.error(f"unknown ids {sorted(only - known)}; known: {sorted(known)}")
    rows = asyncio.run(run(only))
    print_table(rows)
    write_json(rows, Path(args.json))
    print(f"\nwritten to {args.json}")
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
