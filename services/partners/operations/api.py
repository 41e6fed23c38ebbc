"""Operators' view of the long-running processes: which onboarding and renewal workflows run, and where each is.

The list comes from Temporal's visibility store; each workflow's state is its own answer to its status query,
asked concurrently and bounded in time, so one stuck worker shows as `state: null` instead of hiding the list.
"""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import APIRouter, Query

from backbone.app import RuntimeDep
from services.partners import processes
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
    limit: int = Query(default=50, ge=1, le=200),
    workflow_type: WorkflowType | None = Query(default=None, alias="type"),
) -> list[RunningWorkflow]:
    found = await processes.running_workflows(
        await rt.temporal(), types=(workflow_type,) if workflow_type else TYPES, limit=limit
    )
    return [RunningWorkflow.model_validate(w) for w in found]
