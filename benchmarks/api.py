"""`make bench ONLY=H1`: a POST that creates a record through the whole stack (token check, route policy, body
validation, ORM, idempotency key, audit chain, outbox) against a bare FastAPI route doing one asyncpg insert,
both served by uvicorn with the same options, on the same database server, in the same run.

Throughput: closed loop, 16 connections, N requests each way per round (warm-up round first, then the median of
per-round ratios). Latency: an open loop at half the stack's throughput for each, p99 from the scheduled times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import uuid

import asyncpg

from benchmarks.bare_api import TABLE
from benchmarks.load import closed_loop, open_loop
from benchmarks.served import LOGS, partners_api
from benchmarks.table import Row, median_ratio, percentile, run_standalone
from tests.support import ServiceProcess, free_port, wait_http_ok


class AgencyRequests:
    """The n-th POST /agencies of a run: a unique name under the run's prefix (and its own idempotency key)."""

    def __init__(self, headers: dict[str, str], *, idempotent: bool) -> None:
        self.headers, self.idempotent = headers, idempotent
        self.run = uuid.uuid4().hex[:8]
        self.prefix = f"Bench {self.run}"

    def __call__(self, n: int) -> tuple[str, str, bytes, dict[str, str]]:
        body = {
            "country": {"code": "FR", "name": "France"},
            "name": f"{self.prefix} {n}",
            "agency_type": "police",
        }
        extra = {"Idempotency-Key": f"bench-{self.run}-{n}"} if self.idempotent else {}
        return "POST", "/agencies", json.dumps(body).encode(), {**self.headers, **extra}


async def measure(
    count: int = 1000, rounds: int = 3, concurrency: int = 16, seconds: float = 10.0
) -> list[Row]:
    rates: dict[str, list[float]] = {"bare": [], "stack": []}
    # No load shedding here: H1 measures what each request costs, and the bare route has no such limit.
    async with partners_api(max_inflight_requests=10**6) as served:
        dsn = served.dsn("partners")
        admin = await asyncpg.connect(dsn)
        await admin.execute(TABLE)
        await admin.close()
        bare_port = free_port()
        bare = ServiceProcess(
            "bare-api",
            [sys.executable, "-m", "benchmarks.bare_api", str(bare_port), dsn],
            dict(os.environ),
            LOGS,
        )
        bare.start()
        stack_url, bare_url = served.url, f"http://127.0.0.1:{bare_port}"
        try:
            await wait_http_ok(f"{bare_url}/openapi.json", process=bare)
            token = served.coordinator()
            for round_no in range(rounds + 1):
                bare_run = await closed_loop(
                    bare_url, AgencyRequests({}, idempotent=False), count=count, concurrency=concurrency
                )
                stack_run = await closed_loop(
                    stack_url, AgencyRequests(token, idempotent=True), count=count, concurrency=concurrency
                )
                _expect_created(bare_run.statuses, "bare")
                _expect_created(stack_run.statuses, "stack")
                label = "warm-up" if round_no == 0 else f"round {round_no}"
                print(
                    f"{label}: bare {bare_run.rate:,.0f} rps, stack {stack_run.rate:,.0f} rps, "
                    f"ratio {stack_run.rate / bare_run.rate:.2f}",
                    file=sys.stderr,
                )
                if round_no:
                    rates["bare"].append(bare_run.rate)
                    rates["stack"].append(stack_run.rate)
            rate = statistics.median(rates["stack"]) / 2
            bare_open = await open_loop(
                bare_url, AgencyRequests({}, idempotent=False), rate=rate, seconds=seconds
            )
            stack_open = await open_loop(
                stack_url, AgencyRequests(token, idempotent=True), rate=rate, seconds=seconds
            )
            _expect_created(bare_open.statuses, "bare")
            _expect_created(stack_open.statuses, "stack")
        finally:
            bare.stop()
    ratio = median_ratio(rates["stack"], rates["bare"])
    bare_p99, stack_p99 = (percentile(r.latencies, 99) * 1000 for r in (bare_open, stack_open))
    bare_p50, stack_p50 = (percentile(r.latencies, 50) * 1000 for r in (bare_open, stack_open))
    p99_ratio = stack_p99 / bare_p99
    return [
        Row(
            "H1",
            f"POST /agencies through the stack, {count:,} x {concurrency} connections; open loop at {rate:,.0f} rps",
            f"bare FastAPI + asyncpg insert {statistics.median(rates['bare']):,.0f} rps, "
            f"p50 {bare_p50:.1f} ms p99 {bare_p99:.1f} ms",
            f"stack {statistics.median(rates['stack']):,.0f} rps, p50 {stack_p50:.1f} ms p99 {stack_p99:.1f} ms",
            f"{ratio:.2f}x rps, p99 {p99_ratio:.2f}x",
            ">= 0.6x, <= 1.5x",
            ratio >= 0.6 and p99_ratio <= 1.5,
            {
                "ratio": ratio,
                "p99_ratio": p99_ratio,
                "bare_rps": statistics.median(rates["bare"]),
                "stack_rps": statistics.median(rates["stack"]),
                "bare_p99_ms": bare_p99,
                "stack_p99_ms": stack_p99,
            },
        )
    ]


def _expect_created(statuses: dict[int, int], what: str) -> None:
    if set(statuses) != {201}:
        raise RuntimeError(f"{what}: answers other than 201: {statuses}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.requests, args.rounds)))
