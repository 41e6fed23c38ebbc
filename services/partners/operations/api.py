"""Operators' view of the long-running processes: which onboarding and renewal workflows run, and where each is.

The list comes from Temporal's visibility store; each workflow's state is its own answer to its status query,
asked concurrently and bounded in time, so one stuck worker shows as `state: null` instead of hiding the list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from fastapi import APIRouter, Query

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.pagination import Cursor, InvalidCursor, Limit, Page, decode_cursor, encode_cursor
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
    response_model=Page[RunningWorkflow],
    tags=["operations"],
    responses=PROBLEMS,
    summary="Running onboarding and renewal workflows with their state, for operators",
)
async def running_workflows(
    rt: RuntimeDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
    workflow_type: WorkflowType | None = Query(default=None, alias="type"),
) -> Page[RunningWorkflow]:
    """A country's operators see the workflows of its agencies and partnerships; the platform sees all."""
    after = _position(cursor) if cursor else None
    country = principal.country if principal is not None else None
    followed = await followed_by(session, country=country) if country else None
    await session.close()
    found, more = await processes.running_workflows(
        await rt.temporal(),
        types=(workflow_type,) if workflow_type else TYPES,
        limit=limit,
        about=None if followed is None else followed.__contains__,
        after=after,
    )
    items = [RunningWorkflow.model_validate(w) for w in found]
    return Page[RunningWorkflow](
        items=items, next_cursor=_cursor_after(items, after) if more else None, limit=limit
    )


def _position(cursor: str) -> tuple[datetime, frozenset[str]]:
    """The start time of the last workflow listed, and the ids listed with that very start time."""
    at, ids = decode_cursor(cursor, arity=2)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidCursor()
    try:
        return datetime.fromisoformat(at), frozenset(ids)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor() from exc


def _cursor_after(items: list[RunningWorkflow], after: tuple[datetime, frozenset[str]] | None) -> str:
    last = items[-1].started_at
    same = {w.workflow_id for w in items if w.started_at == last}
    if after is not None and after[0] == last:
        same |= after[1]  # a run of equal start times spanning pages
    return encode_cursor([last.isoformat(), sorted(same)])
