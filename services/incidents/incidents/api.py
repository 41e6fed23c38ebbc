"""HTTP routes of incident protocols and incidents."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import (
    IdempotencyKeyHeader,
    Outcome,
    answer_once,
    idempotent_request,
    outcome_response,
)
from backbone.pagination import Cursor, Limit, Page
from contracts.events.incidents import EnvironmentKind
from services.incidents.incidents import environments, response
from services.incidents.incidents import queries as incident_queries
from services.incidents.incidents import queries as statistics
from services.incidents.incidents import service as incidents
from services.incidents.incidents.schemas import (
    EnvironmentOut,
    EscalationIn,
    IncidentIn,
    IncidentOut,
    NotificationOut,
    OnCallIn,
    ResolutionIn,
    RoleIn,
    SeverityIn,
    StatisticsOut,
    StepDoneIn,
    TimelineOut,
    TriageIn,
)
from services.incidents.problems import PROBLEMS, country_of

router = APIRouter()


@router.post(
    "/incidents",
    status_code=201,
    response_model=IncidentOut,
    tags=["incidents"],
    responses=PROBLEMS,
    summary="Declare an incident: its protocol's current version starts (IncidentResponseWorkflow)",
)
async def declare(
    body: IncidentIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request("incidents.declare", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await incidents.declare(
            session, body=body, country=country_of(principal), principal=principal, idempotency=idem
        )
    )


@router.get(
    "/incidents",
    response_model=Page[IncidentOut],
    tags=["incidents"],
    summary="Incidents released to your country, oldest first; filter by partnership, status, exercise",
)
async def list_incidents(
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    partnership_id: uuid.UUID | None = None,
    status: Literal["declared", "triaged", "resolved", "closed"] | None = None,
    exercise: bool | None = None,
) -> Page[IncidentOut]:
    items, next_cursor = await incident_queries.page(
        session, partnership_id=partnership_id, status=status, exercise=exercise, limit=limit, cursor=cursor
    )
    return Page[IncidentOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/partnerships/{partnership_id}/environments",
    response_model=Page[EnvironmentOut],
    tags=["incidents"],
    responses=PROBLEMS,
    summary="Where the partnership's incidents may be declared: its cohorts, the sites they use and the modules "
    "of its approved curricula, as training announced them",
)
async def environments_of(
    partnership_id: uuid.UUID,
    session: SessionDep,
    kind: EnvironmentKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EnvironmentOut]:
    items, next_cursor = await environments.of_partnership(
        session, partnership_id=partnership_id, kind=kind, limit=limit, cursor=cursor
    )
    return Page[EnvironmentOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/incidents/{incident_id}", response_model=IncidentOut, tags=["incidents"], responses=PROBLEMS)
async def get_incident(incident_id: uuid.UUID, session: SessionDep) -> IncidentOut:
    return await incident_queries.view_one(session, incident_id=incident_id)


@router.get(
    "/incidents/{incident_id}/timeline",
    response_model=Page[TimelineOut],
    tags=["incidents"],
    responses=PROBLEMS,
)
async def get_timeline(
    incident_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TimelineOut]:
    items, next_cursor = await incident_queries.timeline(
        session, incident_id=incident_id, limit=limit, cursor=cursor
    )
    return Page[TimelineOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/incidents/{incident_id}/triage", response_model=IncidentOut, tags=["incidents"], responses=PROBLEMS
)
async def triage(
    incident_id: uuid.UUID, body: TriageIn, session: SessionDep, principal: CurrentPrincipal
) -> IncidentOut:
    return await response.triage(session, incident_id=incident_id, body=body, principal=principal)


@router.post(
    "/incidents/{incident_id}/severity", response_model=IncidentOut, tags=["incidents"], responses=PROBLEMS
)
async def change_severity(
    incident_id: uuid.UUID, body: SeverityIn, session: SessionDep, principal: CurrentPrincipal
) -> IncidentOut:
    return await response.change_severity(session, incident_id=incident_id, body=body, principal=principal)


@router.post(
    "/incidents/{incident_id}/roles",
    response_model=IncidentOut,
    tags=["incidents"],
    responses=PROBLEMS,
    summary="Assign a protocol role, or hand it over to someone else",
)
async def assign_role(
    incident_id: uuid.UUID, body: RoleIn, session: SessionDep, principal: CurrentPrincipal
) -> IncidentOut:
    return await response.assign_role(session, incident_id=incident_id, body=body, principal=principal)


@router.post(
    "/incidents/{incident_id}/steps/{code}/completion",
    response_model=IncidentOut,
    tags=["incidents"],
    responses=PROBLEMS,
)
async def complete_step(
    incident_id: uuid.UUID,
    code: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    body: StepDoneIn | None = None,
) -> IncidentOut:
    return await response.complete_step(
        session, incident_id=incident_id, code=code, body=body or StepDoneIn(), principal=principal
    )


@router.post(
    "/incidents/{incident_id}/resolution", response_model=IncidentOut, tags=["incidents"], responses=PROBLEMS
)
async def resolve(
    incident_id: uuid.UUID, body: ResolutionIn, session: SessionDep, principal: CurrentPrincipal
) -> IncidentOut:
    return await incidents.resolve(session, incident_id=incident_id, body=body, principal=principal)


@router.post(
    "/incidents/{incident_id}/closure", response_model=IncidentOut, tags=["incidents"], responses=PROBLEMS
)
async def close(incident_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> IncidentOut:
    return await incidents.close(session, incident_id=incident_id, principal=principal)


@router.get(
    "/partnerships/{partnership_id}/incident-statistics",
    response_model=StatisticsOut,
    tags=["incidents"],
    summary="Real incidents per kind (open, mean time to resolve); drills counted apart, never among them",
)
async def incident_statistics(partnership_id: uuid.UUID, session: SessionDep) -> StatisticsOut:
    return await statistics.of_partnership(session, partnership_id=partnership_id)


@router.get(
    "/notifications",
    response_model=Page[NotificationOut],
    tags=["incidents"],
    summary="What your country was told about incidents affecting it, oldest first",
)
async def my_notifications(
    session: SessionDep, principal: CurrentPrincipal, limit: Limit = 50, cursor: Cursor = None
) -> Page[NotificationOut]:
    items, next_cursor = await incident_queries.notifications(
        session, country=country_of(principal), limit=limit, cursor=cursor
    )
    return Page[NotificationOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/internal/incidents/{incident_id}/roles",
    response_model=IncidentOut,
    tags=["workflows"],
    responses=PROBLEMS,
    summary="The response workflow assigns the protocol's on-call people to their roles",
)
async def assign_on_call(
    incident_id: uuid.UUID, body: OnCallIn, session: SessionDep, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    idem = idempotent_request(
        f"incidents.on_call:{incident_id}", idempotency_key, body.model_dump(mode="json")
    )

    async def assigned() -> Outcome:
        incident = await incidents.get(session, incident_id, lock=True)
        for on_call in body.assignments:
            await response.assign_role_in(
                session,
                incident,
                role=on_call.role,
                holder=on_call.holder,
                country=on_call.country_code,
                actor="response-workflow",
            )
        return Outcome(200, (await incidents.view(session, incident)).model_dump(mode="json"))

    async with session.begin():
        return outcome_response(await answer_once(session, idem, assigned))


@router.post(
    "/internal/incidents/{incident_id}/escalations",
    response_model=IncidentOut,
    tags=["workflows"],
    responses=PROBLEMS,
    summary="The response workflow escalates (a late step, a severity at the threshold)",
)
async def escalate(
    incident_id: uuid.UUID,
    body: EscalationIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"incidents.escalate:{incident_id}", idempotency_key, body.model_dump(mode="json")
    )

    async def escalated() -> Outcome:
        out = await response.escalate_in(session, incident_id=incident_id, body=body)
        return Outcome(200, out.model_dump(mode="json"))

    async with session.begin():
        return outcome_response(await answer_once(session, idem, escalated))
