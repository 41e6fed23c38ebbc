"""DrillCycleWorkflow on the time-skipping test server: a quarter of a drill cycle passes in milliseconds.

The incidents API is replaced by activity doubles that record each call with the workflow time it was made at.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from temporalio.client import WorkflowContinuedAsNewError, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.config import StackConfig
from devstack.temporal import time_skipping_test_server
from tests.workflows.drill_double import DrillsDouble
from workflows.drill_cycle.shared import (
    Acknowledged,
    ActionPlan,
    DrillCycleInput,
    DrillCycleStatus,
    drill_cycle_workflow_id,
)
from workflows.drill_cycle.workflow import DrillCycleWorkflow

Handle = WorkflowHandle[DrillCycleWorkflow, DrillCycleStatus]


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """Its own test server: a cycle skips months, which must not move the clock under other workflow tests."""
    launcher = time_skipping_test_server(StackConfig.from_env())
    own = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(launcher), data_converter=pydantic_data_converter
    )
    yield own
    await own.shutdown()


async def until(handle: Handle, check: Callable[[DrillCycleStatus], bool]) -> DrillCycleStatus:
    for _ in range(300):
        status = await handle.query(DrillCycleWorkflow.status)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached; last: {status}")


async def continued_with(env: WorkflowEnvironment, handle: Handle) -> DrillCycleInput:
    """The input the run handed to its successor when it continued as new."""
    first_run = env.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
    history = await first_run.fetch_history()
    [continued] = [
        event.workflow_execution_continued_as_new_event_attributes
        for event in history.events
        if event.HasField("workflow_execution_continued_as_new_event_attributes")
    ]
    [carried] = await env.client.data_converter.decode(continued.input.payloads, [DrillCycleInput])
    assert isinstance(carried, DrillCycleInput)
    return carried


async def test_a_drill_is_announced_run_timed_debriefed_and_its_open_actions_carried_into_the_next_cycle(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    now = await env.get_current_time()
    first_at = now + timedelta(days=7)
    due = first_at + timedelta(days=30)
    drills = DrillsDouble(
        cadence_days=91, scheduled_for=first_at, actions=[ActionPlan(id="act-1", due_at=due)]
    )
    cycle_id, drill_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with Worker(
        env.client, task_queue=task_queue, workflows=[DrillCycleWorkflow], activities=drills.activities()
    ):
        handle: Handle = await env.client.start_workflow(
            DrillCycleWorkflow.run,
            DrillCycleInput(
                cycle_id=cycle_id,
                drill_id=drill_id,
                number=1,
                scheduled_for=first_at,
                cadence_days=91,
                notice_hours=72,
                inject_minutes=[10, 40],
            ),
            id=drill_cycle_workflow_id(cycle_id),
            task_queue=task_queue,
        )
        await env.sleep(timedelta(days=7, minutes=1))
        await until(handle, lambda s: s.stage == "running")
        assert abs(drills.at("announce") - (first_at - timedelta(hours=72))) < timedelta(minutes=1)
        assert abs(drills.at("start") - first_at) < timedelta(minutes=1)
        started = drills.at("start")
        await handle.signal(DrillCycleWorkflow.step_acknowledged, Acknowledged(code="isolate", at=started))
        await env.sleep(timedelta(minutes=45))
        status = await until(handle, lambda s: s.injects_released == 2)
        assert status.acknowledged == ["isolate"], "the second inject came: not every step was acknowledged"
        await handle.signal(DrillCycleWorkflow.step_acknowledged, Acknowledged(code="notify", at=started))
        await until(handle, lambda s: s.stage == "completed")
        assert drills.names()[:5] == ["announce", "start", "inject", "inject", "complete"]
        await handle.signal(DrillCycleWorkflow.debriefed)
        # The next drill is scheduled and the workflow continues as new, still following the open action. The
        # carried input is read from the history: the time-skipping test server does not continue as new
        # atomically (temporalio/sdk-java#1537), and a query or a sleep racing it timed out on a busy machine.
        with pytest.raises(WorkflowContinuedAsNewError):
            await handle.result(follow_runs=False)
        carried = await continued_with(env, handle)
        await env.client.get_workflow_handle(handle.id).terminate("the next cycle is another test")
    assert carried.number == 2 and drills.numbers[carried.drill_id] == 2
    assert carried.scheduled_for == first_at + timedelta(days=91)
    assert [a.id for a in carried.open_actions] == ["act-1"]
    keys = [request.idempotency_key for _, _, request in drills.calls]
    assert len(keys) == len(set(keys)), "every step has its own idempotency key"


async def test_an_action_carried_into_the_next_cycle_is_reminded_then_escalated_until_done(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    now = await env.get_current_time()
    due = now + timedelta(days=31)
    drills = DrillsDouble(cadence_days=91, scheduled_for=now + timedelta(days=60))
    cycle_id = str(uuid.uuid4())
    async with Worker(
        env.client, task_queue=task_queue, workflows=[DrillCycleWorkflow], activities=drills.activities()
    ):
        handle: Handle = await env.client.start_workflow(
            DrillCycleWorkflow.run,
            DrillCycleInput(
                cycle_id=cycle_id,
                drill_id=str(uuid.uuid4()),
                number=2,
                scheduled_for=now + timedelta(days=60),
                cadence_days=91,
                notice_hours=72,
                open_actions=[ActionPlan(id="act-1", due_at=due)],
            ),
            id=drill_cycle_workflow_id(cycle_id),
            task_queue=task_queue,
        )
        await env.sleep(timedelta(days=28, hours=1))
        await until(handle, lambda s: s.open_actions[0].reminded)
        assert abs(drills.at("chase:reminded") - (due - timedelta(hours=72))) < timedelta(minutes=1)
        await env.sleep(timedelta(days=3))
        await until(handle, lambda s: s.open_actions[0].escalated)
        assert abs(drills.at("chase:escalated") - due) < timedelta(minutes=1)
        await handle.signal(DrillCycleWorkflow.action_done, "act-1")
        await until(handle, lambda s: not s.open_actions)
        await handle.signal(DrillCycleWorkflow.stop)
        final = await handle.result()
    assert final.stage == "stopped" and final.number == 2
    assert "announce" not in drills.names(), "stopped before its drill was due"


async def test_a_triggered_drill_starts_at_once_and_ends_after_twice_the_protocol_time(
    env: WorkflowEnvironment, task_queue: str
) -> None:
    now = await env.get_current_time()
    later = now + timedelta(days=60)
    drills = DrillsDouble(cadence_days=30, scheduled_for=later)
    cycle_id = str(uuid.uuid4())
    async with Worker(
        env.client, task_queue=task_queue, workflows=[DrillCycleWorkflow], activities=drills.activities()
    ):
        handle: Handle = await env.client.start_workflow(
            DrillCycleWorkflow.run,
            DrillCycleInput(
                cycle_id=cycle_id,
                drill_id=str(uuid.uuid4()),
                number=1,
                scheduled_for=later,
                cadence_days=30,
                notice_hours=24,
            ),
            id=drill_cycle_workflow_id(cycle_id),
            task_queue=task_queue,
        )
        await handle.signal(DrillCycleWorkflow.trigger_now)
        await until(handle, lambda s: s.stage == "running")
        assert drills.at("start") - now < timedelta(minutes=1), "triggered: no waiting for the schedule"
        await handle.signal(DrillCycleWorkflow.stop)
        await env.sleep(timedelta(hours=4))
        final = await handle.result()
    assert final.stage == "stopped"
    assert drills.at("complete") - drills.at("start") >= timedelta(minutes=180), "twice (30 + 60) minutes"
    assert "next" not in drills.names(), "a stopped cycle schedules nothing more"
