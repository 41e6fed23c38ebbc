"""EvaluationCycleWorkflow on the time-skipping test server: a round opens at its scheduled time for the period
just ended, reminds before the due day, escalates at it and closes after the grace days; it closes early once
every country has reported; the next round follows by continue-as-new; a newer version replans; `stop` ends it.
The assessment API is replaced by activity doubles that record each call with the workflow time it was made."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.assessment.app import build_app
from tests.integration.assessment_world import lead, partnership, registered
from tests.integration.test_assessment_plans import published_plan, workflows
from tests.integration.test_assessment_reports import indicator
from tests.integration.test_partner_relations_api import envelope_of, outbox_records
from tests.support import Deployment, service_client
from tests.workflows.evaluation_double import EvaluationsDouble
from workflows.evaluation_cycle.activities import EvaluationCycleActivities
from workflows.evaluation_cycle.shared import (
    CycleResult,
    CycleStatus,
    EvaluationCycleInput,
    Replan,
    Schedule,
    evaluation_cycle_workflow_id,
)
from workflows.evaluation_cycle.workflow import EvaluationCycleWorkflow

Handle = WorkflowHandle[EvaluationCycleWorkflow, CycleResult]


def schedule(first: date, **changes: int) -> Schedule:
    values = {"every_months": 3, "response_days": 30, "remind_before_days": 7, "grace_days": 5, **changes}
    return Schedule(first_round_on=first, **values)


async def start(env: WorkflowEnvironment, task_queue: str, plan: Schedule, **extra: object) -> Handle:
    plan_id = str(uuid.uuid4())
    return await env.client.start_workflow(
        EvaluationCycleWorkflow.run,
        EvaluationCycleInput(
            plan_id=plan_id, partnership_id=str(uuid.uuid4()), version=1, schedule=plan, **extra
        ),
        id=evaluation_cycle_workflow_id(plan_id),
        task_queue=task_queue,
    )


async def until(handle: Handle, check: Callable[[CycleStatus], bool]) -> CycleStatus:
    status = None
    for _ in range(300):
        status = await handle.query(EvaluationCycleWorkflow.status)
        if check(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached; last: {status}")


async def recorded(double: EvaluationsDouble, kind: str) -> None:
    for _ in range(600):
        if kind in double.kinds():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} call; calls: {double.kinds()}")


def worker(env: WorkflowEnvironment, task_queue: str, double: EvaluationsDouble) -> Worker:
    return Worker(
        env.client, task_queue=task_queue, workflows=[EvaluationCycleWorkflow], activities=double.activities()
    )


async def first_of_next_month(env: WorkflowEnvironment) -> date:
    now = await env.get_current_time()
    return (now.replace(day=1) + timedelta(days=32)).replace(day=1).date()


async def test_a_late_round_is_reminded_escalated_and_closed_after_the_grace_days(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, double = time_skipping_env, EvaluationsDouble(missing=["BR"])
    first = await first_of_next_month(env)
    async with worker(env, task_queue, double):
        handle = await start(env, task_queue, schedule(first), last_round=1)
        result = await handle.result()
    assert result == CycleResult(
        plan_id=handle.id.removeprefix("evaluation-cycle-"), last_round=1, reason="last_round"
    )
    opens = datetime(first.year, first.month, 1, tzinfo=UTC)
    assert [(at.replace(microsecond=0), name) for at, name, _ in double.calls] == [
        (opens, "open"),
        (opens + timedelta(days=23), "reminder"),
        (opens + timedelta(days=30), "escalation"),
        (opens + timedelta(days=35), "close"),
    ]
    opened = double.calls[0][2]
    assert (opened.period_end, opened.due_at) == (first - timedelta(days=1), opens + timedelta(days=30))
    assert opened.period_start.month == (first.month - 3 - 1) % 12 + 1, "the three months before"
    keys = [
        request.idempotency_key for _, name, request in double.calls if name in ("reminder", "escalation")
    ]
    assert keys == [f"{handle.id}:1:reminder", f"{handle.id}:1:escalation"], "a retried call repeats its key"


async def test_a_round_closes_as_soon_as_everyone_reported_and_the_next_one_follows(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, double = time_skipping_env, EvaluationsDouble(missing=["BR", "SN"])
    first = await first_of_next_month(env)
    async with worker(env, task_queue, double):
        handle = await start(env, task_queue, schedule(first), last_round=2)
        opens = datetime(first.year, first.month, 1, tzinfo=UTC)
        await env.sleep(opens + timedelta(days=2) - await env.get_current_time())
        # Waits on what the activities recorded, not on queries: a query races the continue-as-new below.
        await recorded(double, "open")
        await handle.signal(EvaluationCycleWorkflow.measurement_reported)
        await recorded(double, "check")
        double.missing = []  # the last country reports
        await handle.signal(EvaluationCycleWorkflow.measurement_reported)
        await recorded(double, "close")
        result = await handle.result()
    assert result.last_round == 2
    kinds = double.kinds()
    assert kinds[:4] == ["open", "check", "check", "close"], "no reminder, no escalation: everyone reported"
    closed_early = double.calls[3][0]
    assert closed_early < opens + timedelta(days=3), "closed at once, not at the due day"
    opened = [request for _, name, request in double.calls if name == "open"]
    assert [r.number for r in opened] == [1, 2]
    assert opened[1].period_start == first and opened[1].due_at - opened[0].due_at >= timedelta(days=89), (
        "the next round three months later evaluates the three months since (continue-as-new)"
    )


async def test_a_newer_version_replans_a_round_not_yet_opened_and_stop_ends_the_cycle(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, double = time_skipping_env, EvaluationsDouble(missing=[])
    first = await first_of_next_month(env)
    async with worker(env, task_queue, double):
        handle = await start(env, task_queue, schedule(first + timedelta(days=60)))
        await until(handle, lambda s: s.stage == "waiting")
        await handle.signal(EvaluationCycleWorkflow.replanned, Replan(version=2, schedule=schedule(first)))
        stale = Replan(version=1, schedule=schedule(first + timedelta(days=200)))
        await handle.signal(EvaluationCycleWorkflow.replanned, stale)
        status = await until(handle, lambda s: s.version == 2)
        assert (status.number, status.opens_at.date()) == (1, first), "version 2's schedule times this round"
        await env.sleep(timedelta(days=45) + (status.opens_at - await env.get_current_time()))
        await recorded(double, "close")  # round 1 done; a query would race the continue-as-new
        await handle.signal(EvaluationCycleWorkflow.stop)
        result = await handle.result()
    assert result.reason == "stopped" and result.last_round == 1
    [opened] = [request for _, name, request in double.calls if name == "open"]
    assert (opened.version, opened.number, opened.period_end) == (2, 1, first - timedelta(days=1))
    assert double.kinds() == ["open", "reminder", "close"], (
        "nobody missing at the reminder: closed, no escalation"
    )


async def test_rounds_already_due_when_a_plan_is_published_are_skipped(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    env, double = time_skipping_env, EvaluationsDouble(missing=[])
    now = await env.get_current_time()
    long_ago = (now - timedelta(days=400)).date().replace(day=1)
    async with worker(env, task_queue, double):
        handle = await start(env, task_queue, schedule(long_ago, every_months=6), last_round=10)
        status = await until(handle, lambda s: s.stage in ("waiting", "collecting", "closed"))
        await handle.signal(EvaluationCycleWorkflow.stop)
        await handle.result()
    assert status.number >= 3, "the rounds of the past year are not opened now"
    assert all(request.due_at > now for _, name, request in double.calls if name == "open")


async def test_a_round_runs_through_the_real_assessment_api(
    time_skipping_env: WorkflowEnvironment, task_queue: str, deployment: Deployment
) -> None:
    """The real activities against the assessment app on PostgreSQL: the round is opened, reminded, escalated
    and closed there, each step announced once (nobody can report a period that has not ended yet: the service
    keeps real time while the workflow's months pass in milliseconds)."""
    env = time_skipping_env
    async with service_client(deployment, "assessment", build_app) as api:
        pid = await partnership(api)
        await indicator(api, pid, "joint_investigations", handling_code="public")
        await registered(api, pid, "BR")
        first = await first_of_next_month(env)
        plan_id = await published_plan(api, pid, "joint_investigations", first_round_on=first.isoformat())
        async with workflows(api) as calls:
            activities = EvaluationCycleActivities(calls)
            async with Worker(
                env.client,
                task_queue=task_queue,
                workflows=[EvaluationCycleWorkflow],
                activities=activities.all(),
            ):
                plan = (await api.get(f"/evaluation-plans/{plan_id}", headers=lead(api))).json()
                content = plan["versions"][0]["content"]
                result = await env.client.execute_workflow(
                    EvaluationCycleWorkflow.run,
                    EvaluationCycleInput(
                        plan_id=plan_id,
                        partnership_id=pid,
                        version=1,
                        schedule=Schedule.model_validate(content["schedule"]),
                        last_round=1,
                    ),
                    id=evaluation_cycle_workflow_id(plan_id),
                    task_queue=task_queue,
                )
        assert (result.reason, result.last_round) == ("last_round", 1)
        [closed] = (await api.get(f"/evaluation-plans/{plan_id}/rounds", headers=lead(api))).json()
        assert (closed["status"], closed["reminders"], closed["escalated_at"] is not None) == (
            "closed",
            1,
            True,
        )
        assert closed["results"]["missing"] == ["BR", "FR", "SN"]
        assert closed["period_end"] == (first - timedelta(days=1)).isoformat()
        chased = [
            envelope_of(r).data for r in await outbox_records(api, "assessment.evaluation_round_chased.v1")
        ]
        assert [c["kind"] for c in chased if c["plan_id"] == plan_id] == ["reminder", "escalation"]
        opened = await outbox_records(api, "assessment.evaluation_round_opened.v1")
        assert len(opened) == 1
