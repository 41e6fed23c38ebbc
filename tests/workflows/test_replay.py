"""Replay of committed histories: today's workflow code must still understand yesterday's runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.common import RetryPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.agency_onboarding.shared import (
    ActivateAgency,
    Confirmation,
    LapseAgencyOnboarding,
    OnboardingInput,
    OnboardingStatus,
)
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow
from workflows.drill_cycle.workflow import DrillCycleWorkflow
from workflows.evaluation_cycle.workflow import EvaluationCycleWorkflow
from workflows.funding_tranche.workflow import FundingTrancheWorkflow
from workflows.incident_response.workflow import IncidentResponseWorkflow
from workflows.partnership_onboarding.workflow import PartnershipOnboardingWorkflow

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays_with_the_current_code(path: Path) -> None:
    replayer = Replayer(
        workflows=[
            AgencyOnboardingWorkflow,
            PartnershipOnboardingWorkflow,
            CommitmentRenewalWorkflow,
            DecisionDeadlineWorkflow,
            IncidentResponseWorkflow,
            DrillCycleWorkflow,
            FundingTrancheWorkflow,
            EvaluationCycleWorkflow,
        ],
        data_converter=pydantic_data_converter,
    )
    result = await replayer.replay_workflow(history(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_both_paths_are_recorded() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "agency_onboarding_confirmed",
        "agency_onboarding_confirmed_while_waiting",
        "agency_onboarding_lapsed",
        "partnership_onboarding_gate_approved",
        "partnership_onboarding_amended_continued_as_new",
        "commitment_renewal_renegotiated",
        "commitment_renewal_lapsed",
        "decision_deadline_expired",
        "incident_response_escalated_and_closed",
        "drill_cycle_debriefed_continued_as_new",
        "funding_tranche_extended_then_released",
        "evaluation_cycle_reported_continued_as_new",
    }


@workflow.defn(name="AgencyOnboardingWorkflow")
class IncompatibleOnboarding:
    """An unversioned change: it lapses the agency before activating it. Old runs must not replay on it."""

    def __init__(self) -> None:
        self._confirmed_by: str | None = None

    @workflow.run
    async def run(self, request: OnboardingInput) -> OnboardingStatus:
        await workflow.execute_activity(
            "lapse_agency_onboarding",
            LapseAgencyOnboarding(agency_id=request.agency_id, idempotency_key="x"),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        await workflow.wait_condition(lambda: self._confirmed_by is not None)
        await workflow.execute_activity(
            "activate_agency",
            ActivateAgency(
                agency_id=request.agency_id, confirmed_by=self._confirmed_by or "", idempotency_key="x"
            ),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return OnboardingStatus(agency_id=request.agency_id, state="active")

    @workflow.signal
    def confirm(self, confirmation: Confirmation) -> None:
        self._confirmed_by = confirmation.confirmed_by


@pytest.mark.parametrize("name", ["agency_onboarding_confirmed", "agency_onboarding_confirmed_while_waiting"])
async def test_an_incompatible_change_is_caught_by_replay(name: str) -> None:
    replayer = Replayer(workflows=[IncompatibleOnboarding], data_converter=pydantic_data_converter)
    with pytest.raises(workflow.NondeterminismError, match=r"\[TMPRL1100\] Nondeterminism"):
        await replayer.replay_workflow(history(HISTORY_DIR / f"{name}.json"))


@workflow.defn(name="AgencyOnboardingWorkflow")
class PatchedOnboarding:
    """The supported way to change a workflow with runs in flight: the new step sits behind `workflow.patched`,
    so histories recorded before the change replay the old path and new runs take the new one."""

    def __init__(self) -> None:
        self._confirmed_by: str | None = None

    @workflow.run
    async def run(self, request: OnboardingInput) -> OnboardingStatus:
        try:
            await workflow.wait_condition(
                lambda: self._confirmed_by is not None,
                timeout=timedelta(seconds=request.confirmation_deadline_seconds),
            )
        except TimeoutError:
            await workflow.execute_activity(
                "lapse_agency_onboarding",
                LapseAgencyOnboarding(
                    agency_id=request.agency_id, idempotency_key=f"{workflow.info().workflow_id}:lapse"
                ),
                start_to_close_timeout=timedelta(seconds=30),
            )
            return OnboardingStatus(agency_id=request.agency_id, state="lapsed")
        if workflow.patched("notify-national-unit-before-activation"):
            await workflow.execute_activity(
                "notify_national_unit", request.agency_id, start_to_close_timeout=timedelta(seconds=30)
            )
        await workflow.execute_activity(
            "activate_agency",
            ActivateAgency(
                agency_id=request.agency_id,
                confirmed_by=self._confirmed_by or "",
                idempotency_key=f"{workflow.info().workflow_id}:activate",
            ),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return OnboardingStatus(agency_id=request.agency_id, state="active")

    @workflow.signal
    def confirm(self, confirmation: Confirmation) -> None:
        self._confirmed_by = confirmation.confirmed_by

    @workflow.query
    def status(self) -> OnboardingStatus:
        return OnboardingStatus(agency_id="", state="awaiting_confirmation")


@pytest.mark.parametrize(
    "name",
    ["agency_onboarding_confirmed", "agency_onboarding_confirmed_while_waiting", "agency_onboarding_lapsed"],
)
async def test_a_patched_change_still_replays_old_histories(name: str) -> None:
    path = HISTORY_DIR / f"{name}.json"
    replayer = Replayer(workflows=[PatchedOnboarding], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
