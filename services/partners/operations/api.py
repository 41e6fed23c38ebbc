"""Operators' view of the long-running processes: which onboarding and renewal workflows run, and where each is.

The list comes from Temporal's visibility store; each workflow's state is its own answer to its status query,
asked concurrently and bounded in time, so one stuck worker shows as `state: null` instead of hiding the list.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Literal, get_args

from fastapi import APIRouter, Query
from pydantic import BaseModel
from temporalio.client import Client

from backbone.app import RuntimeDep
from services.partners.problems import PROBLEMS

router = APIRouter()

WorkflowType = Literal[
    "PartnershipOnboardingWorkflow",
    "AgencyOnboardingWorkflow",
    "CommitmentRenewalWorkflow",
    "DecisionDeadlineWorkflow",
]
TYPES: tuple[WorkflowType, ...] = get_args(WorkflowType)
QUERY_TIMEOUT_SECONDS = 5.0


class RunningWorkflow(BaseModel):
    workflow_id: str
    type: str
    started_at: datetime
    task_queue: str
    state: dict[str, Any] | None = None
    """The workflow's status query answer; null if it did not answer in time."""


async def _state(client: Client, workflow_id: str) -> dict[str, Any] | None:
    try:
        answer = await asyncio.wait_for(
            client.get_workflow_handle(workflow_id).query("status"), QUERY_TIMEOUT_SECONDS
        )
    except Exception:  # a stuck or missing worker: list the workflow without its state
        return None
    return answer if isinstance(answer, dict) else None


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
    client = await rt.temporal()
    types = ", ".join(f"'{t}'" for t in ([workflow_type] if workflow_type else TYPES))
    query = f"WorkflowType IN ({types}) AND ExecutionStatus = 'Running'"
    found = [
        RunningWorkflow(
            workflow_id=execution.id,
            type=execution.workflow_type,
            started_at=execution.start_time,
            task_queue=execution.task_queue,
        )
        async for execution in client.list_workflows(query, limit=limit)
    ]
    states = await asyncio.gather(*(_state(client, w.workflow_id) for w in found))
    for workflow, state in zip(found, states, strict=True):
        workflow.state = state
    return found
