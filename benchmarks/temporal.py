"""`make bench ONLY=T1`: the agency onboarding workflow's throughput against a trivial one-activity workflow,
on the same Temporal server, in the same worker process (the trivial one on a task queue of its own).

(a) N trivial workflows, 16 in flight at a time, until every result is in;
(b) N agency onboardings, 16 in flight, through partners' Temporal door (`processes.start_agency_onboarding`, then the
    confirmation Update), until each has completed, its activation activity having called the partners API
    (a real process) which committed the activation and its event.
Rate = workflows completed per second. Goal >= 0.7x.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from backbone.db import create_engine, create_sessionmaker
from backbone.temporal import connect_client
from benchmarks.served import partners_api
from benchmarks.table import Row, median_ratio, run_standalone
from benchmarks.trivial_workflow import TrivialWorkflow, trivial_step
from services.partners import processes
from services.partners.agencies import service
from services.partners.agencies.schemas import AgencyRegistration, CountryIn
from tests.support import Deployment
from workflows.worker import create_worker, worker_settings


async def register(deployment: Deployment, count: int) -> list[str]:
    engine = create_engine(deployment.settings("partners"))
    sessions = create_sessionmaker(engine)
    run, ids = uuid.uuid4().hex[:8], []
    try:
        for n in range(count):
            async with sessions() as session:
                outcome = await service.register_agency(
                    session,
                    registration=AgencyRegistration(
                        country=CountryIn(code="FR", name="France"),
                        name=f"T1 {run} {n}",
                        agency_type="police",
                    ),
                    idempotency=None,
                )
            ids.append(str(outcome.body["id"]))
    finally:
        await engine.dispose()
    return ids


IN_FLIGHT = 16
"""Workflows started and not yet finished at any moment, both ways (the API's own door would shed more)."""


async def trivial_rate(client: Client, queue: str, count: int) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(n: int) -> None:
        async with gate:
            await client.execute_workflow(
                TrivialWorkflow.run, n, id=f"bench-trivial-{uuid.uuid4()}", task_queue=queue
            )

    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return count / (time.perf_counter() - start)


async def onboarding_rate(client: Client, queue: str, agencies: list[str]) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(agency_id: str) -> None:
        async with gate:
            workflow_id, _ = await processes.start_agency_onboarding(
                client, task_queue=queue, agency_id=agency_id, country_code="FR", deadline_hours=24
            )
            await processes.confirm_agency(client, agency_id, confirmed_by="bench")
            await client.get_workflow_handle(workflow_id).result()

    start = time.perf_counter()
    await asyncio.gather(*(one(a) for a in agencies))
    return len(agencies) / (time.perf_counter() - start)


async def measure(count: int = 100, rounds: int = 3) -> list[Row]:
    rates: dict[str, list[float]] = {"trivial": [], "onboarding": []}
    async with partners_api() as served:
        deployment = served.deployment
        settings = worker_settings(**deployment.overrides("worker"), partners_url=served.url)
        client = await connect_client(deployment.settings("partners"))  # as the service does (its converter)
        trivial_queue = f"{deployment.task_queue}-trivial"
        async with (
            httpx.AsyncClient(
                base_url=settings.partners_url, timeout=20, auth=settings.service_auth()
            ) as http,
            create_worker(client, settings, http),
            Worker(client, task_queue=trivial_queue, workflows=[TrivialWorkflow], activities=[trivial_step]),
        ):
            for round_no in range(rounds + 1):
                agencies = await register(deployment, count)
                trivial = await trivial_rate(client, trivial_queue, count)
                onboarding = await onboarding_rate(client, deployment.task_queue, agencies)
                label = "warm-up" if round_no == 0 else f"round {round_no}"
                print(
                    f"{label}: trivial {trivial:,.1f} wf/s, onboarding {onboarding:,.1f} wf/s, "
                    f"ratio {onboarding / trivial:.2f}",
                    file=sys.stderr,
                )
                if round_no:
                    rates["trivial"].append(trivial)
                    rates["onboarding"].append(onboarding)
    ratio = median_ratio(rates["onboarding"], rates["trivial"])
    trivial, onboarding = statistics.median(rates["trivial"]), statistics.median(rates["onboarding"])
    return [
        Row(
            "T1",
            f"agency onboarding workflows, {count}, {IN_FLIGHT} in flight",
            f"trivial one-activity workflow {trivial:,.1f} wf/s",
            f"onboarding (start, query, confirmation Update, activation via partners API) {onboarding:,.1f} wf/s",
            f"{ratio:.2f}x",
            ">= 0.7x",
            ratio >= 0.7,
            {"trivial": trivial, "onboarding": onboarding, "ratio": ratio},
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(run_standalone(lambda: measure(args.workflows, args.rounds)))
