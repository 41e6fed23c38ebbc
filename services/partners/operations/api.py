"""Operators' view of the long-running processes: which onboarding and renewal workflows run, and where each is.

The list comes from Temporal's visibility store; each workflow's state is its own answer to its status query,
asked concurrently and bounded in time, so one stuck worker shows as `state: null` instead of hiding the list.
"""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import APIRouter, Query

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from services.partners import processes
from services.partners.operations.queries import followed_by
from services.partners.operations.schemas import RunningWorkflow
from services.partners.problems import PROBLEMS

router = APIRouter()

WorkflowType = Literal[
    "PartnershipOnboardingWorkflow",
    "AgencyOnboardingWorkflow",
    "CommitmentRenewalWorkflow",
    "DecisionDeadlineWorkflow",
]
TYPES: tuple[WorkflowType, ...] = get_args(WorkflowType)


@router.get(
    "/workflows",
    response_model=list[RunningWorkflow],
    tags=["operations"],
    responses=PROBLEMS,
    summary="Running onboarding and renewal workflows with their state, for operators",
)
async def running_workflows(
    rt: RuntimeDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: int = Query(default=50, ge=1, le=200),
    workflow_type: WorkflowType | None = Query(default=None, alias="type"),
) -> list[RunningWorkflow]:
    """A country's operators see the workflows of its agencies and partnerships; the platform sees all."""
    country = principal.country if principal is not None else None
    followed = await followed_by(session, country=country) if country else None
    await session.close()
    found = await processes.running_workflows(
        await rt.temporal(),
        types=(workflow_type,) if workflow_type else TYPES,
        limit=limit,
        about=None if followed is None else followed.__contains__,
    )
    return [RunningWorkflow.model_validate(w) for w in found]
