"""IncidentResponseWorkflow on the time-skipping test server: hours of an incident pass in milliseconds.

The incidents API is replaced by an activity double that records each escalation with its workflow time.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.incident_double import IncidentsDouble
from workflows.incident_response.shared import (
    ResponseInput,
    ResponseStatus,
    RoleAssignment,
    Severity,
    StepDone,
    StepPlan,
    incident_response_workflow_id,
)
from workflows.incident_response.workflow import IncidentResponseWorkflow

STEPS = [StepPlan(code="isolate", limit_minutes=30), StepPlan(code="notify", limit_minutes=60)]
Handle = WorkflowHandle[IncidentResponseWorkflow, ResponseStatus]


async def start(env: WorkflowEnvironment, task_queue: str, **extra: object) -> tuple[Handle, ResponseInput]:
    fields: dict[str, object] = {"severity": "moderate", "steps": STEPS, "grace_minutes": 5, **extra}
    request = ResponseInput.model_validate(
        {"incident_id": str(uuid.uuid4()), "declared_at": await env.get_current_time(), **fields}
    )
    handle = await env.client.start_workflow(
        IncidentResponseWorkflow.run,
        request,
        id=incident_response_workflow_id(request.incident_id),
        task_queue=task_queue,
    )
    return handle, request


async def until(handle: Handle, check: object) -> ResponseStatus:
    for _ in range(200):
        status = await handle.query(IncidentResponseWorkflow.status)
        if callable(check) and check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("condition never met")


async def test_a_late_step_is_escalated_once_at_its_deadline_and_the_clock_moves_on(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, incidents = time_skipping_env, IncidentsDouble()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[IncidentResponseWorkflow],
        activities=incidents.activities(),
    ):
        handle, request = await start(env, task_queue)
        await env.sleep(timedelta(minutes=50))  # isolate's limit (30) + grace (5) passed
        late = await until(handle, lambda s: s.escalations)
        assert late.escalations == ["step_late:isolate"] and late.current_step == "isolate"
        at, escalation = incidents.escalations[0]
        assert abs(at - (request.declared_at + timedelta(minutes=35))) < timedelta(minutes=1)
        assert (
            escalation.idempotency_key
            == f"incident-response-{request.incident_id}:escalate:step_late:isolate"
        )
        done_at = await env.get_current_time()
        await handle.signal(IncidentResponseWorkflow.step_completed, StepDone(code="isolate", at=done_at))
        moved = await until(handle, lambda s: s.current_step == "notify")
        assert moved.current_deadline is not None
        assert abs(moved.current_deadline - (done_at + timedelta(minutes=65))) < timedelta(seconds=1)
        await handle.signal(IncidentResponseWorkflow.step_completed, StepDone(code="notify", at=done_at))
        await handle.signal(IncidentResponseWorkflow.resolved)
        await handle.signal(IncidentResponseWorkflow.closed)
        result = await handle.result()
    assert result.state == "closed" and incidents.reasons() == ["step_late:isolate"]


async def test_rising_severity_escalates_once_per_level_and_resolution_stops_the_step_clocks(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, incidents = time_skipping_env, IncidentsDouble()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[IncidentResponseWorkflow],
        activities=incidents.activities(),
    ):
        handle, _ = await start(env, task_queue)
        high: Severity = "high"
        critical: Severity = "critical"
        await handle.signal(IncidentResponseWorkflow.severity_changed, high)
        await handle.signal(IncidentResponseWorkflow.severity_changed, high)
        await handle.signal(IncidentResponseWorkflow.severity_changed, critical)
        await until(handle, lambda s: len(s.escalations) == 2)
        await handle.signal(IncidentResponseWorkflow.resolved)
        await env.sleep(timedelta(hours=6))  # every step deadline passes: nothing escalates after resolution
        status = await handle.query(IncidentResponseWorkflow.status)
        assert status.state == "resolved" and status.current_step is None
        assert status.escalations == ["severity:high", "severity:critical"], "decided in signal order"
        await handle.signal(IncidentResponseWorkflow.closed)
        await handle.result()
    # The two escalation activities may run in either order on the worker; each runs once.
    assert sorted(incidents.reasons()) == ["severity:critical", "severity:high"]


async def test_declared_at_the_threshold_escalates_at_once(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, incidents = time_skipping_env, IncidentsDouble()
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[IncidentResponseWorkflow],
        activities=incidents.activities(),
    ):
        on_call = [RoleAssignment(role="incident_commander", holder="anne@fr", country_code="FR")]
        handle, request = await start(
            env, task_queue, severity="critical", severity_threshold="high", roles=on_call
        )
        await until(handle, lambda s: s.escalations)
        for step in STEPS:
            await handle.signal(
                IncidentResponseWorkflow.step_completed,
                StepDone(code=step.code, at=await env.get_current_time()),
            )
        await until(handle, lambda s: s.current_step is None)
        await handle.signal(IncidentResponseWorkflow.closed)
        result = await handle.result()
    assert incidents.reasons() == ["severity:critical"] and result.completed == ["isolate", "notify"]
    assert [a.roles for a in incidents.assignments] == [on_call], "the on-call people are assigned first"
    assert incidents.assignments[0].idempotency_key == f"incident-response-{request.incident_id}:roles"
