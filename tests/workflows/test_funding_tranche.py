"""FundingTrancheWorkflow on the time-skipping test server: months until a tranche's deadline pass in
milliseconds. Finance is replaced by activity doubles that record each call with the workflow time it was made."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.tranche_double import FinanceDouble
from workflows.funding_tranche.shared import (
    ExtensionAsked,
    ExtensionDecided,
    Measurement,
    TrancheInput,
    TrancheStatus,
    funding_tranche_workflow_id,
)
from workflows.funding_tranche.workflow import FundingTrancheWorkflow

Handle = WorkflowHandle[FundingTrancheWorkflow, TrancheStatus]
INDICATOR = "share_of_officers_certified"


def measurement(value: str, at: datetime, indicator: str = INDICATOR) -> Measurement:
    return Measurement(
        measurement_id=str(uuid.uuid4()), indicator=indicator, value=Decimal(value), measured_at=at
    )


async def start(env: WorkflowEnvironment, task_queue: str, deadline: datetime) -> Handle:
    tranche_id = str(uuid.uuid4())
    return await env.client.start_workflow(
        FundingTrancheWorkflow.run,
        TrancheInput(
            tranche_id=tranche_id,
            partnership_id=str(uuid.uuid4()),
            indicator=INDICATOR,
            target=Decimal("0.80"),
            comparison="at_least",
            deadline=deadline,
        ),
        id=funding_tranche_workflow_id(tranche_id),
        task_queue=task_queue,
    )


async def until(handle: Handle, check: Callable[[TrancheStatus], bool]) -> TrancheStatus:
    for _ in range(300):
        status = await handle.query(FundingTrancheWorkflow.status)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached; last: {status}")


async def test_a_measurement_meeting_the_target_releases_the_tranche(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, finance = time_skipping_env, FinanceDouble()
    now = await env.get_current_time()
    async with Worker(
        env.client, task_queue=task_queue, workflows=[FundingTrancheWorkflow], activities=finance.activities()
    ):
        handle = await start(env, task_queue, now + timedelta(days=90))
        await until(handle, lambda s: s.state == "reserved")
        await handle.signal(FundingTrancheWorkflow.measured, measurement("0.95", now, indicator="another"))
        await handle.signal(FundingTrancheWorkflow.measured, measurement("0.61", now))
        met = measurement("0.83", now)
        await env.sleep(timedelta(days=10))
        await handle.signal(FundingTrancheWorkflow.measured, met)
        final = await handle.result()
    assert (final.state, final.measurements, final.released_by) == ("released", 2, met)
    assert finance.names() == ["reserved", "released"]
    released = finance.calls[-1][2]
    assert released.measurement == met and released.idempotency_key.endswith(":release")


async def test_at_the_deadline_an_unmet_tranche_is_voided(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, finance = time_skipping_env, FinanceDouble()
    now = await env.get_current_time()
    deadline = now + timedelta(days=30)
    async with Worker(
        env.client, task_queue=task_queue, workflows=[FundingTrancheWorkflow], activities=finance.activities()
    ):
        handle = await start(env, task_queue, deadline)
        await until(handle, lambda s: s.state == "reserved")
        await handle.signal(FundingTrancheWorkflow.measured, measurement("0.79", now))
        final = await handle.result()
    assert (final.state, final.measurements, final.released_by) == ("voided", 1, None)
    assert finance.names() == ["reserved", "voided"]
    assert abs(finance.at("voided") - deadline) < timedelta(minutes=1)


async def test_an_extension_granted_after_the_deadline_keeps_the_tranche_until_the_new_one(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, finance = time_skipping_env, FinanceDouble()
    now = await env.get_current_time()
    deadline = now + timedelta(days=30)
    asked = ExtensionAsked(
        extension_id=str(uuid.uuid4()), deadline=now + timedelta(days=90), decide_by=now + timedelta(days=40)
    )
    async with Worker(
        env.client, task_queue=task_queue, workflows=[FundingTrancheWorkflow], activities=finance.activities()
    ):
        handle = await start(env, task_queue, deadline)
        await until(handle, lambda s: s.state == "reserved")
        await env.sleep(timedelta(days=20))
        await handle.signal(FundingTrancheWorkflow.extension_asked, asked)
        await env.sleep(timedelta(days=15))  # past the first deadline: waiting for the oversight body
        waiting = await until(handle, lambda s: s.extension_pending is not None)
        assert waiting.state == "reserved" and finance.names() == ["reserved"]
        await handle.signal(
            FundingTrancheWorkflow.extension_decided,
            ExtensionDecided(extension_id=asked.extension_id, granted=True),
        )
        extended = await until(handle, lambda s: s.extensions_granted == 1)
        assert extended.deadline == asked.deadline and extended.extension_pending is None
        await env.sleep(timedelta(days=20))
        await handle.signal(FundingTrancheWorkflow.measured, measurement("0.9", now))
        final = await handle.result()
    assert final.state == "released" and finance.names() == ["reserved", "released"]


async def test_an_extension_refused_or_left_unanswered_voids_the_tranche(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env = time_skipping_env
    now = await env.get_current_time()
    for granted in (False, None):
        finance = FinanceDouble()
        asked = ExtensionAsked(
            extension_id=str(uuid.uuid4()),
            deadline=now + timedelta(days=90),
            decide_by=now + timedelta(days=40),
        )
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[FundingTrancheWorkflow],
            activities=finance.activities(),
        ):
            handle = await start(env, task_queue, now + timedelta(days=30))
            await until(handle, lambda s: s.state == "reserved")
            await handle.signal(FundingTrancheWorkflow.extension_asked, asked)
            if granted is not None:
                await handle.signal(
                    FundingTrancheWorkflow.extension_decided,
                    ExtensionDecided(extension_id=asked.extension_id, granted=granted),
                )
            final = await handle.result()
        assert final.state == "voided" and final.extensions_granted == 0
        voided_at = finance.at("voided")
        expected = now + timedelta(days=30) if granted is False else asked.decide_by
        assert abs(voided_at - expected) < timedelta(minutes=1), (granted, voided_at - now)
        now = await env.get_current_time()
