"""`make bench ONLY=S1W` (S1's open workflows): 10,000 agency onboardings open at once, waiting for confirmation.

The partners API and the worker run as their own processes (as `make run` starts them). Agencies are registered,
then their onboardings are started through partners' Temporal door (start, then the status query the door sends)
in batches of 1,000, 16 in flight. After each batch: the worker's and the API's resident memory, and the p50 of
status queries to onboardings picked at random among all open ones (most are out of the worker's cache by then, so
a query replays the history). At the end 100 of them, picked at random, are confirmed and must complete (the
activation activity calls the API), and the rest are terminated.

Goal: memory flat (RSS growth under 10% from 2,000 open to 10,000) and time linear (the last batch starts at no
less than 0.8x the rate of the second).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
import uuid

from temporalio.client import Client
from temporalio.service import RPCError

from backbone.temporal import WorkflowUnresponsive, connect_client
from benchmarks.served import LOGS, partners_api
from benchmarks.table import Row, percentile, resident_memory, run_standalone
from benchmarks.temporal import register
from services.partners import processes
from tests.support import Deployment, ServiceProcess
from workflows.agency_onboarding.shared import OnboardingStatus, onboarding_workflow_id

BATCH = 1_000
IN_FLIGHT = 16
SAMPLED_QUERIES = 50
CONFIRMED = 100


def _rss(process: ServiceProcess) -> int:
    assert process.proc is not None
    return resident_memory(process.proc.pid)


async def _start_batch(client: Client, queue: str, agencies: list[str], unanswered: list[str]) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(agency_id: str) -> None:
        async with gate:
            while True:  # as the API's caller does on its 503: the start stands, the retry finds it
                try:
                    await processes.start_agency_onboarding(
                        client, task_queue=queue, agency_id=agency_id, country_code="FR", deadline_hours=24
                    )
                    return
                except WorkflowUnresponsive:
                    unanswered.append(agency_id)

    start = time.perf_counter()
    await asyncio.gather(*(one(a) for a in agencies))
    return len(agencies) / (time.perf_counter() - start)


async def _worker_ready(client: Client, queue: str, deployment: Deployment) -> None:
    """The worker answers (its process takes seconds to import and connect): one onboarding started and queried."""
    (agency_id,) = await register(deployment, 1)
    deadline = time.monotonic() + 120
    while True:
        try:
            await processes.start_agency_onboarding(
                client, task_queue=queue, agency_id=agency_id, country_code="FR", deadline_hours=24
            )
        except WorkflowUnresponsive:
            if time.monotonic() > deadline:
                raise
        else:
            await client.get_workflow_handle(onboarding_workflow_id(agency_id)).terminate("worker ready")
            return


async def _query_p50(client: Client, agencies: list[str], rng: random.Random) -> float:
    took = []
    for agency_id in rng.sample(agencies, min(SAMPLED_QUERIES, len(agencies))):
        start = time.perf_counter()
        await processes.agency_onboarding_status(client, agency_id)
        took.append(time.perf_counter() - start)
    return percentile(took, 50)


async def measure(total: int = 10_000) -> list[Row]:
    rng = random.Random(1)
    rates: list[float] = []
    worker_rss: list[int] = []
    api_rss: list[int] = []
    query_p50: list[float] = []
    open_ids: list[str] = []
    unanswered: list[str] = []
    """Starts whose status query the worker did not answer in time (the API's 503): retried."""
    async with partners_api() as served:
        deployment = served.deployment
        queue = f"{deployment.task_queue}-s1w-{uuid.uuid4().hex[:6]}"
        worker = ServiceProcess(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            deployment.env("worker", partners_url=served.url, temporal_task_queue=queue),
            LOGS,
        )
        worker.start()
        client = await connect_client(deployment.settings("partners"))
        try:
            await _worker_ready(client, queue, deployment)
            for _ in range(total // BATCH):
                agencies = await register(deployment, BATCH)
                rates.append(await _start_batch(client, queue, agencies, unanswered))
                open_ids += agencies
                query_p50.append(await _query_p50(client, open_ids, rng))
                worker_rss.append(_rss(worker))
                api_rss.append(_rss(served.api))
                print(
                    f"S1W: {len(open_ids):,} open; started {rates[-1]:.0f}/s; query p50 {query_p50[-1] * 1000:.1f} ms;"
                    f" worker {worker_rss[-1] / 2**20:.0f} MiB, API {api_rss[-1] / 2**20:.0f} MiB;"
                    f" {len(unanswered)} unanswered so far",
                    file=sys.stderr,
                )
                if worker.returncode is not None:
                    raise RuntimeError(f"the worker exited: {worker.log_tail()[-400:]}")
            confirmed = rng.sample(open_ids, CONFIRMED)
            for agency_id in confirmed:
                await processes.confirm_agency(client, agency_id, confirmed_by="bench S1W")
            results = await asyncio.gather(
                *(
                    asyncio.wait_for(
                        client.get_workflow_handle(
                            onboarding_workflow_id(a), result_type=OnboardingStatus
                        ).result(),
                        timeout=300,
                    )
                    for a in confirmed
                )
            )
            completed = sum(1 for r in results if r.state == "active")
        finally:
            await _terminate(client, open_ids)
            worker.stop()
    return [_row(total, rates, worker_rss, api_rss, query_p50, completed, len(unanswered))]


async def _terminate(client: Client, agencies: list[str]) -> None:
    """The shared Temporal keeps nothing of the run open (what completed already refuses, which is fine)."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(agency_id: str) -> None:
        async with gate:
            with contextlib.suppress(RPCError):  # a completed one cannot be terminated
                await client.get_workflow_handle(onboarding_workflow_id(agency_id)).terminate(
                    "bench S1W done"
                )

    await asyncio.gather(*(one(a) for a in agencies))


def _row(
    total: int,
    rates: list[float],
    worker_rss: list[int],
    api_rss: list[int],
    query_p50: list[float],
    completed: int,
    unanswered: int,
) -> Row:
    at = 2_000 // BATCH - 1
    worker_growth = worker_rss[-1] / worker_rss[at] - 1
    api_growth = api_rss[-1] / api_rss[at] - 1
    rate_ratio = rates[-1] / rates[1]
    met = worker_growth < 0.10 and api_growth < 0.10 and rate_ratio >= 0.8 and completed == CONFIRMED
    return Row(
        "S1W",
        f"{total:,} agency onboardings open at once (started through partners' Temporal door)",
        f"at 2,000 open: worker {worker_rss[at] / 2**20:.0f} MiB, API {api_rss[at] / 2**20:.0f} MiB, "
        f"{rates[1]:.0f} starts/s",
        f"at {total:,}: worker {worker_rss[-1] / 2**20:.0f} MiB, API {api_rss[-1] / 2**20:.0f} MiB, "
        f"{rates[-1]:.0f} starts/s; query p50 {statistics.median(query_p50) * 1000:.1f} ms; "
        f"{completed}/{CONFIRMED} confirmed completed; {unanswered} start queries unanswered in time (retried)",
        f"RSS worker {worker_growth:+.1%} API {api_growth:+.1%}; rate {rate_ratio:.2f}x",
        "< +10%, >= 0.8x",
        met,
        {
            "worker_rss_growth": worker_growth,
            "api_rss_growth": api_growth,
            "start_rate_ratio": rate_ratio,
            "query_p50_ms": statistics.median(query_p50) * 1000,
            "unanswered": float(unanswered),
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=10_000)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.workflows)))
