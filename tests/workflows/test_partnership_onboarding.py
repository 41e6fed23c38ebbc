"""PartnershipOnboardingWorkflow on the time-skipping server: gates, votes as Updates, reminders, expiry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backbone.settings import ServiceSettings
from contracts.envelope import EventEnvelope, decode, encode
from contracts.events.incidents import DrillEventV1
from services.partners.handlers import GateCriteria
from tests.workflows.governance_double import GovernanceDouble
from workflows.partnership_onboarding.shared import (
    Amendment,
    CastBallot,
    PartnershipOnboardingInput,
    PartnershipOnboardingStatus,
    Timers,
    Withdrawal,
    partnership_onboarding_workflow_id,
)
from workflows.partnership_onboarding.workflow import PartnershipOnboardingWorkflow

Handle = WorkflowHandle[PartnershipOnboardingWorkflow, PartnershipOnboardingStatus]
DAY = 86400.0


def worker(env: WorkflowEnvironment, task_queue: str, partners: GovernanceDouble) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[PartnershipOnboardingWorkflow],
        activities=partners.activities(),
    )


async def start(env: WorkflowEnvironment, task_queue: str, **extra: object) -> Handle:
    partnership_id = str(uuid.uuid4())
    return await env.client.start_workflow(
        PartnershipOnboardingWorkflow.run,
        PartnershipOnboardingInput(partnership_id=partnership_id, **extra),
        id=partnership_onboarding_workflow_id(partnership_id),
        task_queue=task_queue,
    )


async def open_decision(handle: Handle) -> str:
    for _ in range(100):
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        if status.open_decision is not None:
            return status.open_decision.decision_id
        await asyncio.sleep(0.05)
    raise AssertionError("no gate decision opened")


async def vote(handle: Handle, member: str, choice: str, reason: str | None = None) -> str:
    result = await handle.execute_update(
        PartnershipOnboardingWorkflow.vote,
        CastBallot(member_id=member, choice=choice, reason=reason),
    )
    return result.outcome


async def test_a_gate_opens_when_its_criteria_are_met_and_an_approved_vote_advances_the_phase(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = GovernanceDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.phase == "familiarization" and status.criteria == {"capacity_profiles_mapped": False}
        assert status.open_decision is None
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await open_decision(handle)
        assert await vote(handle, "sn-jus", "approve") == "open"
        assert await vote(handle, "br-pol", "approve") == "open"  # quorum, but France's veto is pending
        assert await vote(handle, "fr-dip", "abstain") == "approved"
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "curriculum_approved")
        await open_decision(handle)
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.phase == "co_design" and status.criteria == {"curriculum_approved": True}
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        final = await handle.result()
    assert final.phase == "co_design" and final.withdrawn
    assert [(a.to_phase, a.idempotency_key) for a in partners.advanced] == [
        ("co_design", f"{handle.id}:advance:co_design")
    ]


async def test_votes_are_validated_before_anything_is_recorded(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = GovernanceDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await vote(handle, "sn-jus", "approve")
        assert "no_open_decision" in str(early.value.cause)
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await open_decision(handle)
        for member, choice, reason, code in [
            ("xx-dip", "approve", None, "not_a_member"),
            ("br-pol", "reject", None, "reason_required"),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await vote(handle, member, choice, reason)
            assert code in str(refused.value.cause)
        assert await vote(handle, "br-pol", "approve") == "open"
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await vote(handle, "br-pol", "approve")
        assert "already_voted" in str(twice.value.cause)
        assert await vote(handle, "fr-dip", "reject", "capacity mapping is incomplete") == "vetoed"
        with pytest.raises(WorkflowUpdateFailedError) as closed:
            await vote(handle, "sn-jus", "approve")
        assert "no_open_decision" in str(closed.value.cause) or "decision_closed" in str(closed.value.cause)
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.last_gate_outcome == "vetoed" and status.phase == "familiarization"
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        await handle.result()
    assert partners.votes_recorded == 2, "refused votes never reached the service"
    assert partners.advanced == []


async def test_laggards_are_reminded_then_escalated_and_an_unanswered_gate_expires(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    partners = GovernanceDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue, criteria_met=["capacity_profiles_mapped"])
        await open_decision(handle)
        await time_skipping_env.sleep(
            timedelta(days=15)
        )  # past reminder (3 d), escalation (10 d), due (14 d)
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.last_gate_outcome == "expired" and status.open_decision is None
        assert status.reminders_sent == 1 and status.escalations_sent == 1
        assert [kind for kind, _ in partners.reminders] == ["reminder", "escalation"]

        await handle.signal(PartnershipOnboardingWorkflow.request_gate_vote)  # the partners try again
        await open_decision(handle)
        for member in ("sn-jus", "br-pol", "fr-dip"):
            await vote(handle, member, "approve")
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        final = await handle.result()
    assert final.phase == "co_design"
    assert len(partners.opened_with_keys) == len(set(partners.opened_with_keys)) == 2


async def test_timers_are_configurable_per_partnership(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = GovernanceDouble()
    timers = Timers(decision_seconds=2 * DAY, reminder_after_seconds=DAY, escalate_after_seconds=5 * DAY)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(
            time_skipping_env, task_queue, criteria_met=["capacity_profiles_mapped"], timers=timers
        )
        await open_decision(handle)
        await vote(handle, "sn-jus", "approve")
        await vote(handle, "br-pol", "approve")
        await time_skipping_env.sleep(timedelta(days=3))
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        await handle.result()
    # At the due time the reached quorum approves: the veto holder who did not vote waived the veto.
    assert status.last_gate_outcome == "approved" and status.phase == "co_design"
    assert [kind for kind, _ in partners.reminders] == ["reminder"], (
        "escalation after the due time never fires"
    )


async def test_a_paused_partnership_waits_and_resumes(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = GovernanceDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue, paused=True)
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await time_skipping_env.sleep(timedelta(days=30))
        assert (await handle.query(PartnershipOnboardingWorkflow.status)).open_decision is None
        await handle.signal(PartnershipOnboardingWorkflow.resume)
        await open_decision(handle)
        await handle.signal(PartnershipOnboardingWorkflow.pause)
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="funding ended"))
        final = await handle.result()
    assert final.withdrawn and final.withdrawal_reason == "funding ended" and final.paused


async def test_an_amendment_adds_an_agency_and_a_criterion_taken_back_holds_the_gate(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = GovernanceDouble()
    ghana, lapsed = str(uuid.uuid4()), str(uuid.uuid4())
    partners.lapsed_agencies.add(lapsed)
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue)
        amended = await handle.execute_update(
            PartnershipOnboardingWorkflow.amend, Amendment(agency_id=ghana, role="member", reason="joins")
        )
        assert [(a.agency_id, a.phase) for a in amended.amendments] == [(ghana, "familiarization")]
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await handle.execute_update(
                PartnershipOnboardingWorkflow.amend, Amendment(agency_id=ghana, role="host")
            )
        assert "already_a_member: " in str(twice.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                PartnershipOnboardingWorkflow.amend, Amendment(agency_id=lapsed, role="member")
            )
        assert "agency_lapsed: " in str(refused.value.cause)  # the service's refusal, with its code
        # The consumer saw the others mapped, then Ghana join unmapped: the criterion is taken back.
        await handle.signal(PartnershipOnboardingWorkflow.pause)
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await handle.signal(PartnershipOnboardingWorkflow.criterion_unmet, "capacity_profiles_mapped")
        await handle.signal(PartnershipOnboardingWorkflow.resume)
        await time_skipping_env.sleep(timedelta(days=10))
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.open_decision is None and status.criteria == {"capacity_profiles_mapped": False}
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await open_decision(handle)
        # (After a withdrawal the run completes at once, so a later amendment meets a closed workflow.)
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        await handle.result()
    assert [a.idempotency_key for a in partners.amendments] == [f"{handle.id}:amend:{ghana}"]


async def test_after_a_gate_the_workflow_continues_as_new_with_its_state_and_the_next_run_goes_on(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    partners = GovernanceDouble()
    ghana = str(uuid.uuid4())
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(
            time_skipping_env, task_queue, gates_per_run=1, timers=Timers(decision_seconds=5 * DAY)
        )
        first_run = (await handle.describe()).run_id
        await handle.execute_update(
            PartnershipOnboardingWorkflow.amend, Amendment(agency_id=ghana, role="member")
        )
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
        await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "curriculum_approved")  # early: kept
        await open_decision(handle)
        for member, choice in (("sn-jus", "approve"), ("br-pol", "approve"), ("fr-dip", "approve")):
            await vote(handle, member, choice)
        for _ in range(100):
            latest = await handle.describe()  # the handle without a run id follows the chain
            if latest.run_id != first_run:
                break
            await asyncio.sleep(0.05)
        assert latest.run_id != first_run, "no continue-as-new after the gate"
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.phase == "co_design" and status.criteria == {"curriculum_approved": True}
        assert [a.agency_id for a in status.amendments] == [ghana]
        second_gate = await open_decision(handle)  # the new run opens the co-design gate on its own
        assert second_gate != next(iter(partners.decisions))
        await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="test over"))
        final = await handle.result()
    assert final.phase == "co_design" and final.withdrawn
    assert partners.opened_with_keys == [
        f"{handle.id}:gate:familiarization:1",
        f"{handle.id}:gate:co_design:1",
    ]


async def test_a_debriefed_drill_of_the_partnership_meets_the_exercises_gate_criterion(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    """The partners consumer's reaction to the incidents service's drill events, against the real workflow."""
    partners = GovernanceDouble()
    async with worker(time_skipping_env, task_queue, partners):
        handle = await start(time_skipping_env, task_queue, phase="exercises")
        pid = handle.id.removeprefix(partnership_onboarding_workflow_id(""))
        criteria = GateCriteria(ServiceSettings(service_name="partners"))

        async def connected() -> Client:
            return time_skipping_env.client

        criteria.client = connected  # type: ignore[assignment]

        def drill(stage: str, partnership: str = pid) -> EventEnvelope:
            event = DrillEventV1(
                drill_id=str(uuid.uuid4()),
                protocol_id=str(uuid.uuid4()),
                partnership_id=partnership,
                stage=stage,
                cycle_id=str(uuid.uuid4()),
                number=1,
                scheduled_for=datetime.now(UTC),
                at=datetime.now(UTC),
            )
            record = encode(event, source="/services/incidents", key=event.drill_id)
            return decode(record.headers, record.key, record.value)

        for stage in ("scheduled", "started", "completed"):
            await criteria.on_drill_event(None, drill(stage))  # type: ignore[arg-type]
        await criteria.on_drill_event(None, drill("debriefed", str(uuid.uuid4())))  # type: ignore[arg-type]
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.criteria == {"drill_completed_and_debriefed": False}, (
            "not debriefed, or another partnership"
        )
        await criteria.on_drill_event(None, drill("debriefed"))  # type: ignore[arg-type]
        status = await handle.query(PartnershipOnboardingWorkflow.status)
        assert status.criteria == {"drill_completed_and_debriefed": True}
        await open_decision(handle)  # the exercises gate is put to the vote
