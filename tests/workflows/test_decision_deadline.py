"""DecisionDeadlineWorkflow on the time-skipping server: reminder, escalation and expiry without real waiting."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.decisions_double import DecisionsDouble
from workflows.decision_deadline.shared import (
    DecisionDeadlineInput,
    DecisionDeadlineResult,
    decision_deadline_workflow_id,
)
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow

Handle = WorkflowHandle[DecisionDeadlineWorkflow, DecisionDeadlineResult]


def worker(env: WorkflowEnvironment, task_queue: str, double: DecisionsDouble) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[DecisionDeadlineWorkflow],
        activities=double.activities(),
    )


async def start(
    env: WorkflowEnvironment, task_queue: str, *, opened_days_ago: float = 0, window_days: float = 10
) -> tuple[Handle, DecisionDeadlineInput]:
    now = await env.get_current_time()
    opened = now - timedelta(days=opened_days_ago)
    request = DecisionDeadlineInput(
        decision_id=str(uuid.uuid4()),
        partnership_id=str(uuid.uuid4()),
        opened_at=opened,
        due_at=opened + timedelta(days=window_days),
    )
    handle = await env.client.start_workflow(
        DecisionDeadlineWorkflow.run,
        request,
        id=decision_deadline_workflow_id(request.decision_id),
        task_queue=task_queue,
    )
    return handle, request


def near(actual: datetime, expected: datetime) -> bool:
    return abs((actual - expected).total_seconds()) < 60


async def test_an_unanswered_decision_is_reminded_escalated_and_closed_at_its_due_time(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    double = DecisionsDouble()
    async with worker(time_skipping_env, task_queue, double):
        handle, request = await start(time_skipping_env, task_queue)
        result = await handle.result()
    assert [(r.kind, r.idempotency_key) for _, r in double.reminders] == [
        ("reminder", f"{handle.id}:reminder"),
        ("escalation", f"{handle.id}:escalation"),
    ]
    assert near(double.reminders[0][0], request.opened_at + timedelta(days=5))
    assert near(double.reminders[1][0], request.opened_at + timedelta(days=8))
    assert [(near(at, request.due_at), d) for at, d in double.closings] == [(True, request.decision_id)]
    assert result == DecisionDeadlineResult(
        decision_id=request.decision_id,
        outcome="expired",
        reminders_sent=1,
        escalated=True,
        closed_by="deadline",
    )


async def test_a_decision_closed_on_its_votes_stops_the_clock(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    double = DecisionsDouble()
    async with worker(time_skipping_env, task_queue, double):
        handle, _ = await start(time_skipping_env, task_queue)
        await time_skipping_env.sleep(timedelta(days=6))  # after the reminder
        await handle.signal(DecisionDeadlineWorkflow.closed, "approved")
        result = await handle.result()
    assert [r.kind for _, r in double.reminders] == ["reminder"] and double.closings == []
    assert result.outcome == "approved" and result.closed_by == "votes" and not result.escalated


async def test_a_reminder_refused_because_the_decision_closed_ends_the_workflow(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    double = DecisionsDouble()
    async with worker(time_skipping_env, task_queue, double):
        handle, request = await start(time_skipping_env, task_queue)
        double.closed.add(request.decision_id)  # closed, but its event has not reached the consumer yet
        result = await handle.result()
    assert double.reminders == [] and double.closings == []
    assert result.closed_by == "votes"


async def test_started_late_it_skips_notices_whose_time_has_passed(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    double = DecisionsDouble()
    async with worker(time_skipping_env, task_queue, double):
        handle, _ = await start(
            time_skipping_env, task_queue, opened_days_ago=6
        )  # the reminder was due a day ago
        result = await handle.result()
    assert [r.kind for _, r in double.reminders] == ["escalation"]
    assert result.reminders_sent == 0 and result.escalated and result.closed_by == "deadline"
