"""HTTP routes of revision requests: read by the partnership's members; a curriculum revision accepted into a
draft or declined by the curriculum's drafting country."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from backbone.app import SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.pagination import Cursor, Limit, Page
from services.training.facilities.api import PROBLEMS
from services.training.revision_requests import service
from services.training.revision_requests.schemas import (
    AcceptanceIn,
    CompletionIn,
    DeclinationIn,
    DevelopmentActionOut,
    RevisionRequestOut,
)

router = APIRouter(tags=["revision requests"])


@router.get(
    "/revision-requests/{revision_request_id}",
    response_model=RevisionRequestOut,
    responses=PROBLEMS,
    summary="A revision request and its decision",
)
async def get_revision_request(revision_request_id: uuid.UUID, session: SessionDep) -> RevisionRequestOut:
    return await service.revision_request(session, request_id=revision_request_id)


@router.post(
    "/revision-requests/{revision_request_id}/acceptance",
    response_model=RevisionRequestOut,
    responses=PROBLEMS,
    summary="Accept a curriculum revision request into a draft (the curriculum's drafting country): the open "
    "draft takes it up, else a new revision draft starts; announced to the requester",
)
async def accept(
    revision_request_id: uuid.UUID, body: AcceptanceIn, session: SessionDep, principal: CurrentPrincipal
) -> RevisionRequestOut:
    return await service.accept(session, request_id=revision_request_id, body=body, principal=principal)


@router.post(
    "/revision-requests/{revision_request_id}/declination",
    response_model=RevisionRequestOut,
    responses=PROBLEMS,
    summary="Decline a curriculum revision request with a reason (the curriculum's drafting country); "
    "announced to the requester",
)
async def decline(
    revision_request_id: uuid.UUID, body: DeclinationIn, session: SessionDep, principal: CurrentPrincipal
) -> RevisionRequestOut:
    return await service.decline(session, request_id=revision_request_id, body=body, principal=principal)


@router.get(
    "/revision-requests",
    response_model=Page[RevisionRequestOut],
    responses=PROBLEMS,
    summary="Revision requests in your partnerships: from drill debriefs (curricula to revise, refreshers) and "
    "from assessment findings (criteria often failed)",
)
async def list_revision_requests(
    session: SessionDep, partnership_id: uuid.UUID | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[RevisionRequestOut]:
    items, next_cursor = await service.revision_requests(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[RevisionRequestOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/curricula/{curriculum_id}/revision-requests",
    response_model=Page[RevisionRequestOut],
    responses=PROBLEMS,
    tags=["curricula"],
)
async def curriculum_revision_requests(
    curriculum_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[RevisionRequestOut]:
    items, next_cursor = await service.revision_requests(
        session, curriculum_id=curriculum_id, limit=limit, cursor=cursor
    )
    return Page[RevisionRequestOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/revision-requests/{revision_request_id}/refresher-assignments",
    response_model=Page[uuid.UUID],
    responses=PROBLEMS,
    summary="Your country's certifications assigned a refresher by this request",
)
async def refresher_assignments(
    revision_request_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[uuid.UUID]:
    items, next_cursor = await service.assignments(
        session, revision_request_id=revision_request_id, limit=limit, cursor=cursor
    )
    return Page[uuid.UUID](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/instructors/{instructor_id}/development-actions",
    response_model=list[DevelopmentActionOut],
    responses=PROBLEMS,
    tags=["instructors"],
    summary="The instructor's development actions from assessment findings (the instructor's country)",
)
async def development_actions(instructor_id: uuid.UUID, session: SessionDep) -> list[DevelopmentActionOut]:
    return await service.development_actions(session, instructor_id=instructor_id)


@router.post(
    "/development-actions/{action_id}/completion",
    response_model=DevelopmentActionOut,
    responses=PROBLEMS,
    tags=["instructors"],
    summary="Record what the instructor did (the instructor's country)",
)
async def complete_action(
    action_id: uuid.UUID, body: CompletionIn, session: SessionDep
) -> DevelopmentActionOut:
    return await service.complete_action(session, action_id=action_id, body=body)
