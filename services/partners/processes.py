"""The partners service's one door to Temporal: every workflow it starts, signals, updates or queries.

Routes and event handlers call these functions with a connected client; none of them imports a workflow class.
A refusal by a workflow (an Update's validator, a workflow that does not run) comes back as the problem a caller
of the service would get.

- Agency onboarding (AgencyOnboardingWorkflow): started by the API, confirmed by the national unit.
- Partnership onboarding (PartnershipOnboardingWorkflow): started by the API; gate criteria signalled from
  events; gate votes routed to it as Updates.
- Commitment renewal (CommitmentRenewalWorkflow): started once per commitment, from its event or the API.
- Decision deadlines (DecisionDeadlineWorkflow): started when a decision no other workflow times is opened,
  told when it closes.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from backbone.errors import Conflict, DomainError, NotFound
from backbone.temporal import missing_workflow_as, signal_if_running, update_refusal, workflow_answer
from services.partners.commitments.schemas import CommitmentOut
from workflows.agency_onboarding.shared import (
    Confirmation,
    OnboardingInput,
    OnboardingStatus,
    onboarding_workflow_id,
)
from workflows.agency_onboarding.workflow import AgencyOnboardingWorkflow
from workflows.commitment_renewal.shared import (
    CommitmentRenewalInput,
    CommitmentRenewalStatus,
    RenewalResponse,
    commitment_renewal_workflow_id,
)
from workflows.commitment_renewal.workflow import CommitmentRenewalWorkflow
from workflows.decision_deadline.shared import DecisionDeadlineInput, decision_deadline_workflow_id
from workflows.decision_deadline.workflow import DecisionDeadlineWorkflow
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

AgencyOnboardingHandle = WorkflowHandle[AgencyOnboardingWorkflow, OnboardingStatus]
OnboardingHandle = WorkflowHandle[PartnershipOnboardingWorkflow, PartnershipOnboardingStatus]
RenewalHandle = WorkflowHandle[CommitmentRenewalWorkflow, CommitmentRenewalStatus]

# --- agency onboarding -------------------------------------------------------------------------------------


def _agency_onboarding(client: Client, agency_id: str) -> AgencyOnboardingHandle:
    return client.get_workflow_handle_for(AgencyOnboardingWorkflow.run, onboarding_workflow_id(agency_id))


async def start_agency_onboarding(
    client: Client, *, task_queue: str, agency_id: str, country_code: str, deadline_hours: float
) -> tuple[str, OnboardingStatus]:
    workflow_id = onboarding_workflow_id(agency_id)
    handle = await client.start_workflow(
        AgencyOnboardingWorkflow.run,
        OnboardingInput(
            agency_id=agency_id,
            country_code=country_code,
            confirmation_deadline_seconds=deadline_hours * 3600,
        ),
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        execution_timeout=timedelta(days=400),
    )
    return workflow_id, await workflow_answer(handle.query(AgencyOnboardingWorkflow.status))


async def agency_onboarding_status(client: Client, agency_id: str) -> tuple[str, OnboardingStatus]:
    handle = _agency_onboarding(client, agency_id)
    with missing_workflow_as(NotFound(f"Agency {agency_id} has no onboarding.", code="onboarding_not_found")):
        return handle.id, await workflow_answer(handle.query(AgencyOnboardingWorkflow.status))


async def confirm_agency(
    client: Client, agency_id: str, *, confirmed_by: str
) -> tuple[str, OnboardingStatus]:
    handle = _agency_onboarding(client, agency_id)
    with missing_workflow_as(
        NotFound(f"Agency {agency_id} has no running onboarding.", code="onboarding_not_found")
    ):
        confirmation = Confirmation(confirmed_by=confirmed_by)
        return handle.id, await workflow_answer(
            handle.execute_update(AgencyOnboardingWorkflow.confirm_and_report, confirmation)
        )


# --- partnership onboarding --------------------------------------------------------------------------------

AMENDMENT_REFUSALS: dict[str, tuple[int, str | None]] = {
    "withdrawn": (409, None),
    "already_a_member": (409, None),
    "unknown_agency": (422, "agency_id"),
    "agency_lapsed": (422, "agency_id"),
}


def _onboarding(client: Client, partnership_id: str) -> OnboardingHandle:
    return client.get_workflow_handle_for(
        PartnershipOnboardingWorkflow.run, partnership_onboarding_workflow_id(partnership_id)
    )


async def start_onboarding(
    client: Client, *, task_queue: str, partnership_id: str, phase: str, timers: Timers
) -> tuple[str, PartnershipOnboardingStatus]:
    """Start the partnership's onboarding; starting it again returns the running one."""
    handle = await client.start_workflow(
        PartnershipOnboardingWorkflow.run,
        PartnershipOnboardingInput(partnership_id=partnership_id, phase=phase, timers=timers),
        id=partnership_onboarding_workflow_id(partnership_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        execution_timeout=timedelta(days=3650),
    )
    return await _onboarding_status(handle, partnership_id)


async def _onboarding_status(
    handle: OnboardingHandle, partnership_id: str
) -> tuple[str, PartnershipOnboardingStatus]:
    with missing_workflow_as(
        NotFound(f"Partnership {partnership_id} has no onboarding.", code="onboarding_not_found")
    ):
        return handle.id, await workflow_answer(handle.query(PartnershipOnboardingWorkflow.status))


async def onboarding_status(client: Client, partnership_id: str) -> tuple[str, PartnershipOnboardingStatus]:
    return await _onboarding_status(_onboarding(client, partnership_id), partnership_id)


async def steer_onboarding(
    client: Client, partnership_id: str, name: str, *args: Withdrawal | str
) -> tuple[str, PartnershipOnboardingStatus]:
    """Signal the running onboarding (`criterion_met`, `pause`, `resume`, `request_gate_vote`, `withdraw`)."""
    handle = _onboarding(client, partnership_id)
    with missing_workflow_as(
        NotFound(f"Partnership {partnership_id} has no running onboarding.", code="onboarding_not_found")
    ):
        await handle.signal(name, *args)
    return await _onboarding_status(handle, partnership_id)


async def amend_onboarding(
    client: Client, partnership_id: str, amendment: Amendment
) -> tuple[str, PartnershipOnboardingStatus]:
    handle = _onboarding(client, partnership_id)
    try:
        await workflow_answer(handle.execute_update(PartnershipOnboardingWorkflow.amend, amendment))
    except WorkflowUpdateFailedError as exc:
        raise update_refusal(
            str(exc.cause),
            AMENDMENT_REFUSALS,
            title="The amendment cannot be made",
            default="amendment_refused",
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(
                f"Partnership {partnership_id} has no running onboarding.", code="onboarding_not_found"
            ) from exc
        raise
    return await _onboarding_status(handle, partnership_id)


async def vote_on_gate(
    client: Client,
    partnership_id: str,
    ballot: CastBallot,
    *,
    refusals: dict[str, tuple[int, str | None]],
) -> None:
    """A gate vote goes to the onboarding workflow as an Update: its validator answers at once (not a member,
    already voted, closed) with the status and field a direct vote gets (`refusals`)."""
    try:
        await workflow_answer(
            _onboarding(client, partnership_id).execute_update(PartnershipOnboardingWorkflow.vote, ballot)
        )
    except WorkflowUpdateFailedError as exc:
        known = {**refusals, "no_open_decision": (409, None), "withdrawn": (409, None)}
        raise update_refusal(
            str(exc.cause), known, title="The vote cannot be counted", default="vote_refused"
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise DomainError(
                "The gate's onboarding workflow is not running.", code="decision_closed", status=409
            ) from exc
        raise


async def gate_criterion(client: Client, partnership_id: str, criterion: str, *, met: bool = True) -> None:
    """Tell the onboarding a criterion holds (or no longer does); nothing waits when none runs."""
    handle = _onboarding(client, partnership_id)
    if met:
        await signal_if_running(handle.signal(PartnershipOnboardingWorkflow.criterion_met, criterion))
    else:
        await signal_if_running(handle.signal(PartnershipOnboardingWorkflow.criterion_unmet, criterion))


# --- commitment renewal ------------------------------------------------------------------------------------

RESPONSE_REFUSALS: dict[str, tuple[int, str | None]] = {
    "renewal_not_requested": (409, None),
    "renewal_concluded": (409, None),
    "already_answered": (409, None),
    "not_the_partner": (422, "agency_id"),
}


async def start_renewal(client: Client, *, task_queue: str, commitment: CommitmentOut) -> RenewalHandle:
    """Once per commitment, whoever asks and however often: the workflow id is the commitment's, a running
    one is reused and a finished one is never started again."""
    workflow_id = commitment_renewal_workflow_id(str(commitment.id))
    try:
        return await client.start_workflow(
            CommitmentRenewalWorkflow.run,
            CommitmentRenewalInput(
                commitment_id=str(commitment.id),
                partnership_id=str(commitment.partnership_id),
                agency_id=str(commitment.agency_id),
                expires_at=commitment.expires_at,
                timers=commitment.renewal_timers,
            ),
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # Lives until the commitment expires; the bound only stops a forgotten one from running forever.
            execution_timeout=(commitment.expires_at - commitment.registered_at) + timedelta(days=365),
        )
    except WorkflowAlreadyStartedError:  # it ran and finished: the renewal is concluded
        return client.get_workflow_handle_for(CommitmentRenewalWorkflow.run, workflow_id)


def _renewal(client: Client, commitment_id: str) -> RenewalHandle:
    return client.get_workflow_handle_for(
        CommitmentRenewalWorkflow.run, commitment_renewal_workflow_id(commitment_id)
    )


async def renewal_status(handle: RenewalHandle, commitment_id: str) -> CommitmentRenewalStatus:
    with missing_workflow_as(
        NotFound(f"Commitment {commitment_id} has no renewal workflow.", code="renewal_not_found")
    ):
        return await workflow_answer(handle.query(CommitmentRenewalWorkflow.status))


async def renewal_of(client: Client, commitment_id: str) -> tuple[str, CommitmentRenewalStatus]:
    handle = _renewal(client, commitment_id)
    return handle.id, await renewal_status(handle, commitment_id)


async def ask_renewal_now(client: Client, commitment_id: str) -> tuple[str, CommitmentRenewalStatus]:
    handle = _renewal(client, commitment_id)
    with missing_workflow_as(
        NotFound(f"Commitment {commitment_id} has no running renewal.", code="renewal_not_found")
    ):
        await handle.signal(CommitmentRenewalWorkflow.ask_now)
    return handle.id, await renewal_status(handle, commitment_id)


async def respond_to_renewal(
    client: Client, commitment_id: str, response: RenewalResponse
) -> tuple[str, CommitmentRenewalStatus]:
    """The partner's answer, through the workflow's Update; answers with the outcome once it is recorded."""
    handle = _renewal(client, commitment_id)
    try:
        await workflow_answer(handle.execute_update(CommitmentRenewalWorkflow.respond, response))
    except WorkflowUpdateFailedError as exc:
        raise update_refusal(
            str(exc.cause),
            RESPONSE_REFUSALS,
            title="The answer cannot be accepted",
            default="response_refused",
        ) from exc
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # Temporal answers "not found" for a finished run too: tell the two apart for the caller.
        concluded = await renewal_status(handle, commitment_id)
        raise Conflict(
            f"The commitment's renewal is concluded ({concluded.outcome}).", code="renewal_concluded"
        ) from exc
    return handle.id, await renewal_status(handle, commitment_id)


# --- decision deadlines ------------------------------------------------------------------------------------

TIMED_HERE = frozenset({"budget", "curriculum_approval", "dispute_resolution"})
"""Decisions no other workflow times (phase gates are timed by their onboarding)."""


async def start_decision_deadline(
    client: Client,
    *,
    task_queue: str,
    decision_id: str,
    partnership_id: str,
    opened_at: datetime,
    due_at: datetime,
) -> None:
    # A finished run (WorkflowAlreadyStartedError) means this is a redelivery: nothing to do.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            DecisionDeadlineWorkflow.run,
            DecisionDeadlineInput(
                decision_id=decision_id, partnership_id=partnership_id, opened_at=opened_at, due_at=due_at
            ),
            id=decision_deadline_workflow_id(decision_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=(due_at - opened_at) + timedelta(days=30),
        )


async def decision_closed(client: Client, decision_id: str, outcome: str) -> None:
    """Stop the deadline's clock; a finished one (it closed the decision itself) has nothing to stop."""
    handle = client.get_workflow_handle_for(
        DecisionDeadlineWorkflow.run, decision_deadline_workflow_id(decision_id)
    )
    await signal_if_running(handle.signal(DecisionDeadlineWorkflow.closed, outcome))


# --- operators' view ---------------------------------------------------------------------------------------

OPERATED: tuple[str, ...] = tuple(
    workflow.__name__
    for workflow in (
        PartnershipOnboardingWorkflow,
        AgencyOnboardingWorkflow,
        CommitmentRenewalWorkflow,
        DecisionDeadlineWorkflow,
    )
)
"""The workflow types operators follow on the board (their type names are their class names)."""
