"""HTTP routes of drill cycles, drills, debriefs and improvement actions; and the drill workflow's own routes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import (
    IdempotencyKeyHeader,
    Outcome,
    answer_once,
    idempotent_request,
    outcome_response,
)
from backbone.pagination import Cursor, Limit, Page, PathNumber
from services.incidents import processes
from services.incidents.drills import queries as drill_queries
from services.incidents.drills import service as drills
from services.incidents.drills.schemas import (
    ActionOut,
    CycleIn,
    CycleOut,
    DebriefIn,
    DoneIn,
    DrillOut,
    FindingOut,
    HistoryOut,
)
from services.incidents.problems import PROBLEMS, country_of

router = APIRouter(tags=["drills"])


@router.post(
    "/drill-cycles",
    status_code=201,
    response_model=CycleOut,
    responses=PROBLEMS,
    summary="Rehearse an approved protocol in an environment on a cycle (its DrillCycleWorkflow starts)",
)
async def create_cycle(body: CycleIn, session: SessionDep, principal: CurrentPrincipal) -> CycleOut:
    return await drills.create_cycle(session, body=body, country=country_of(principal), principal=principal)


@router.get(
    "/drill-cycles",
    response_model=Page[CycleOut],
    summary="Drill cycles your country takes part in, oldest first, with their drills; filter by partnership",
)
async def list_cycles(
    session: SessionDep, partnership_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[CycleOut]:
    items, next_cursor = await drill_queries.list_cycles(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[CycleOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/drill-cycles/{cycle_id}", response_model=CycleOut, responses=PROBLEMS)
async def get_cycle(cycle_id: uuid.UUID, session: SessionDep) -> CycleOut:
    return await drill_queries.view_cycle(session, cycle_id=cycle_id)


@router.post(
    "/drill-cycles/{cycle_id}/trigger",
    response_model=CycleOut,
    responses=PROBLEMS,
    summary="Run the cycle's next drill now instead of at its scheduled time",
)
async def trigger(cycle_id: uuid.UUID, session: SessionDep, rt: RuntimeDep) -> CycleOut:
    cycle = await drill_queries.view_cycle(session, cycle_id=cycle_id)
    await processes.trigger_drill(await rt.temporal(), str(cycle_id))
    return cycle


@router.post(
    "/drill-cycles/{cycle_id}/stop",
    response_model=CycleOut,
    responses=PROBLEMS,
    summary="No further drills; open improvement actions are still followed",
)
async def stop(cycle_id: uuid.UUID, session: SessionDep, rt: RuntimeDep) -> CycleOut:
    cycle = await drills.stop_cycle(session, cycle_id=cycle_id)
    await processes.stop_drill_cycle(await rt.temporal(), str(cycle_id))
    return cycle


@router.get("/drills/{drill_id}", response_model=DrillOut, responses=PROBLEMS)
async def get_drill(drill_id: uuid.UUID, session: SessionDep) -> DrillOut:
    return await drill_queries.view_drill(session, drill_id=drill_id)


@router.post(
    "/drills/{drill_id}/debrief",
    response_model=DrillOut,
    responses=PROBLEMS,
    summary="The after-action report: expected, happened, why, change; rated findings with their actions",
)
async def debrief(
    drill_id: uuid.UUID, body: DebriefIn, session: SessionDep, principal: CurrentPrincipal
) -> DrillOut:
    return await drills.debrief(session, drill_id=drill_id, body=body, principal=principal)


@router.get(
    "/drills/{drill_id}/findings",
    response_model=list[FindingOut],
    responses=PROBLEMS,
    summary="The debrief's findings, with training's answer (accepted into a draft, or declined) on those about it",
)
async def list_findings(drill_id: uuid.UUID, session: SessionDep) -> list[FindingOut]:
    async with session.begin():
        return await drills.findings_of(session, drill_id=drill_id)


@router.get("/drills/{drill_id}/actions", response_model=Page[ActionOut], responses=PROBLEMS)
async def list_actions(
    drill_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ActionOut]:
    items, next_cursor = await drill_queries.list_actions(
        session, drill_id=drill_id, limit=limit, cursor=cursor
    )
    return Page[ActionOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post("/improvement-actions/{action_id}/completion", response_model=ActionOut, responses=PROBLEMS)
async def finish_action(
    action_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, body: DoneIn | None = None
) -> ActionOut:
    return await drills.finish_action(
        session, action_id=action_id, body=body or DoneIn(), principal=principal
    )


@router.get(
    "/protocols/{protocol_id}/drills",
    response_model=HistoryOut,
    tags=["protocols"],
    responses=PROBLEMS,
    summary="The protocol's drills with their timings: do responses get faster?",
)
async def protocol_history(protocol_id: uuid.UUID, session: SessionDep) -> HistoryOut:
    return await drill_queries.history(session, protocol_id=protocol_id)


async def _once(
    session: SessionDep,
    scope: str,
    key: str | None,
    step: Callable[[], Awaitable[BaseModel | dict[str, Any]]],
) -> JSONResponse:
    """A workflow step: applied once per Idempotency-Key (and idempotent by state as well)."""

    async def run() -> Outcome:
        done = await step()
        return Outcome(200, done.model_dump(mode="json") if isinstance(done, BaseModel) else done)

    async with session.begin():
        return outcome_response(await answer_once(session, idempotent_request(scope, key, {}), run))


Key = IdempotencyKeyHeader


@router.post("/internal/drills/{drill_id}/announcement", tags=["workflows"], responses=PROBLEMS)
async def announce(drill_id: uuid.UUID, session: SessionDep, idempotency_key: Key = None) -> JSONResponse:
    return await _once(
        session,
        f"drill.announce:{drill_id}",
        idempotency_key,
        lambda: drills.announce(session, drill_id=drill_id),
    )


@router.post("/internal/drills/{drill_id}/start", tags=["workflows"], responses=PROBLEMS)
async def start(drill_id: uuid.UUID, session: SessionDep, idempotency_key: Key = None) -> JSONResponse:
    return await _once(
        session, f"drill.start:{drill_id}", idempotency_key, lambda: drills.start(session, drill_id=drill_id)
    )


@router.post("/internal/drills/{drill_id}/injects/{index}", tags=["workflows"], responses=PROBLEMS)
async def release_inject(
    drill_id: uuid.UUID, index: PathNumber, session: SessionDep, idempotency_key: Key = None
) -> JSONResponse:
    return await _once(
        session,
        f"drill.inject:{drill_id}:{index}",
        idempotency_key,
        lambda: drills.release_inject(session, drill_id=drill_id, index=index),
    )


@router.post("/internal/drills/{drill_id}/completion", tags=["workflows"], responses=PROBLEMS)
async def complete(drill_id: uuid.UUID, session: SessionDep, idempotency_key: Key = None) -> JSONResponse:
    return await _once(
        session,
        f"drill.complete:{drill_id}",
        idempotency_key,
        lambda: drills.complete(session, drill_id=drill_id),
    )


@router.post("/internal/drills/{drill_id}/actions", tags=["workflows"], responses=PROBLEMS)
async def drill_actions(
    drill_id: uuid.UUID, session: SessionDep, idempotency_key: Key = None
) -> JSONResponse:
    async def listed() -> dict[str, Any]:
        return {
            "actions": [
                a.model_dump(mode="json") for a in await drills.actions_of(session, drill_id=drill_id)
            ]
        }

    return await _once(session, f"drill.actions:{drill_id}", None, listed)


@router.post("/internal/drills/{drill_id}/next", tags=["workflows"], responses=PROBLEMS)
async def schedule_next(
    drill_id: uuid.UUID, session: SessionDep, idempotency_key: Key = None
) -> JSONResponse:
    async def scheduled() -> dict[str, Any]:
        following = await drills.schedule_next(session, drill_id=drill_id)
        return {
            "next": following.model_dump(mode="json", include={"number", "scheduled_for"})
            | {"drill_id": str(following.id)}
            if following
            else None
        }

    return await _once(session, f"drill.next:{drill_id}", idempotency_key, scheduled)


@router.post("/internal/improvement-actions/{action_id}/{kind}", tags=["workflows"], responses=PROBLEMS)
async def chase(
    action_id: uuid.UUID,
    kind: Literal["reminded", "escalated"],
    session: SessionDep,
    idempotency_key: Key = None,
) -> JSONResponse:
    return await _once(
        session,
        f"action.{kind}:{action_id}",
        idempotency_key,
        lambda: drills.chase(session, action_id=action_id, kind=kind),
    )
