"""Operators' view of a service's long-running processes: which of its workflows run, and where each is.

The list comes from Temporal's visibility store; each workflow's state is its own answer to its `status` query,
asked concurrently and bounded in time, so one stuck worker shows as `state: null` instead of hiding the list.
A country's operators see the workflows about what their country may follow (the service says which ids: a
workflow id ends with the id of what it is about); the platform sees all. Domain-free: each service gives its
workflow type names and its `followed_by` query.
"""

# No `from __future__ import annotations`: the route's `type` parameter is an enum built per service at run time,
# and FastAPI must see it as an object, not as a name it cannot resolve.
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.pagination import Cursor, InvalidCursor, Limit, Page, decode_cursor, encode_cursor

QUERY_TIMEOUT_SECONDS = 5.0
SCAN_AT_MOST = 5000
"""Running workflows read from the visibility store for one list, however few of them the caller may see."""

FollowedBy = Callable[[AsyncSession, str], Awaitable[frozenset[str]]]
"""The ids a country's operators may follow (`followed_by(session, country)`)."""


class RunningWorkflow(BaseModel):
    workflow_id: str
    type: str
    started_at: datetime
    task_queue: str
    state: dict[str, Any] | None = None
    """The workflow's status query answer; null if it did not answer in time."""


def running_workflows_router(
    *, types: tuple[str, ...], followed_by: FollowedBy, responses: dict[Any, Any]
) -> APIRouter:
    router = APIRouter()
    WorkflowType = Literal[types]  # type: ignore[valid-type]  # the service's own workflow types, as an enum

    @router.get(
        "/workflows",
        response_model=Page[RunningWorkflow],
        tags=["operations"],
        responses=responses,
        summary="Running workflows of this service with their state, for operators",
    )
    async def running(
        rt: RuntimeDep,
        session: SessionDep,
        principal: CurrentPrincipal,
        limit: Limit = 50,
        cursor: Cursor = None,
        workflow_type: WorkflowType | None = Query(default=None, alias="type"),
    ) -> Page[RunningWorkflow]:
        """A country's operators see the workflows of what their country follows; the platform sees all."""
        after = _position(cursor) if cursor else None
        country = principal.country if principal is not None else None
        followed = await followed_by(session, country) if country else None
        await session.close()
        found, more = await running_workflows(
            await rt.temporal(),
            types=(workflow_type,) if workflow_type else types,
            limit=limit,
            about=None if followed is None else followed.__contains__,
            after=after,
        )
        items = [RunningWorkflow.model_validate(w) for w in found]
        return Page[RunningWorkflow](
            items=items, next_cursor=_cursor_after(items, after) if more else None, limit=limit
        )

    return router


async def running_workflows(
    client: Client,
    *,
    types: tuple[str, ...],
    limit: int,
    about: Callable[[str], bool] | None = None,
    after: tuple[datetime, frozenset[str]] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Running workflows of these types from Temporal's visibility store, newest first (only those whose subject
    id, the end of the workflow id, passes `about`), each with its own status answer, asked concurrently and
    bounded in time (a stuck worker shows as `state: None`). `after` continues a list: started no later than
    that time, and not one of the ids already listed at that very time. Returns the page and whether more
    follow."""
    query = f"WorkflowType IN ({', '.join(repr(t) for t in types)}) AND ExecutionStatus = 'Running'"
    if after is not None:
        bound = after[0] + timedelta(microseconds=1)  # the store keeps nanoseconds; Python microseconds
        query += f" AND StartTime < '{bound.astimezone(UTC).isoformat()}'"
    found: list[dict[str, Any]] = []
    more = False
    async for execution in client.list_workflows(query, limit=SCAN_AT_MOST):
        if after is not None and execution.id in after[1] and execution.start_time == after[0]:
            continue
        if about is not None and not about(execution.id[-36:]):
            continue
        if len(found) == limit:
            more = True
            break
        found.append(
            {
                "workflow_id": execution.id,
                "type": execution.workflow_type,
                "started_at": execution.start_time,
                "task_queue": execution.task_queue,
            }
        )
    states = await asyncio.gather(*(_state(client, w["workflow_id"]) for w in found))
    for workflow, state in zip(found, states, strict=True):
        workflow["state"] = state
    return found, more


async def _state(client: Client, workflow_id: str) -> dict[str, Any] | None:
    try:
        answer = await asyncio.wait_for(
            client.get_workflow_handle(workflow_id).query("status"), QUERY_TIMEOUT_SECONDS
        )
    except Exception:  # a stuck or missing worker: list the workflow without its state
        return None
    return answer if isinstance(answer, dict) else None


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
