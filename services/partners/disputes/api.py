"""HTTP routes of disputes between partners, their comments and resolution votes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import RuntimeDep, SessionDep
from backbone.auth.http import CurrentPrincipal
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from contracts.events.partners import DisputeSubjectKind
from services.partners import access
from services.partners.disputes import service as disputes
from services.partners.disputes.schemas import (
    CommentIn,
    CommentOut,
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    DisputeStatus,
    ResolutionDecisionIn,
)
from services.partners.policy import COMMENT, DISPUTE
from services.partners.problems import PROBLEMS

router = APIRouter()


@router.post(
    "/partnerships/{partnership_id}/disputes",
    status_code=201,
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A member agency disputes an allocation or a decision of the partnership",
)
async def raise_dispute(
    partnership_id: uuid.UUID,
    body: DisputeIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_acting_for_agency(
        rt, principal, body.raised_by_agency_id, roles=DISPUTE, field="raised_by_agency_id"
    )
    idem = idempotent_request(
        f"partners.raise_dispute:{partnership_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.raise_dispute(session, partnership_id=partnership_id, dispute=body, idempotency=idem)
    )


@router.get(
    "/partnerships/{partnership_id}/disputes",
    response_model=Page[DisputeOut],
    tags=["disputes"],
    responses=PROBLEMS,
    summary="The partnership's disputes, oldest first, filtered and paginated",
)
async def list_disputes(
    partnership_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: DisputeStatus | None = None,
    subject_kind: DisputeSubjectKind | None = None,
) -> Page[DisputeOut]:
    items, next_cursor = await disputes.list_disputes(
        session,
        partnership_id=partnership_id,
        limit=limit,
        cursor=cursor,
        status=status,
        subject_kind=subject_kind,
    )
    return Page[DisputeOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/disputes/{dispute_id}",
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A dispute with its discussion and its resolution decisions",
)
async def get_dispute(dispute_id: uuid.UUID, session: SessionDep) -> DisputeDetailOut:
    return await disputes.get_dispute(session, dispute_id=dispute_id)


@router.post(
    "/disputes/{dispute_id}/comments",
    status_code=201,
    response_model=CommentOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="A member agency adds to the discussion of a dispute",
)
async def comment_on_dispute(
    dispute_id: uuid.UUID,
    body: CommentIn,
    session: SessionDep,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    await access.require_acting_for_agency(rt, principal, body.agency_id, roles=COMMENT, field="agency_id")
    idem = idempotent_request(
        f"partners.comment_on_dispute:{dispute_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.comment_on_dispute(session, dispute_id=dispute_id, comment=body, idempotency=idem)
    )


@router.post(
    "/disputes/{dispute_id}/resolution-decision",
    status_code=201,
    response_model=DisputeDetailOut,
    tags=["disputes"],
    responses=PROBLEMS,
    summary="Put a resolution of the dispute to the oversight body (a `dispute_resolution` decision)",
)
async def open_resolution_decision(
    dispute_id: uuid.UUID,
    body: ResolutionDecisionIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(
        f"partners.open_resolution_decision:{dispute_id}", idempotency_key, body.model_dump(mode="json")
    )
    return outcome_response(
        await disputes.open_resolution_decision(
            session, dispute_id=dispute_id, proposal=body, idempotency=idem
        )
    )
