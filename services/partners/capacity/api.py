"""HTTP routes of agencies' capacity profiles (what an agency can do today, per competency)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import IdempotencyKeyHeader, idempotent_request, outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.partners.capacity import service as capacity
from services.partners.capacity.schemas import CapacityProfileIn, CapacityProfileOut
from services.partners.problems import PROBLEMS

router = APIRouter()


@router.post(
    "/agencies/{agency_id}/capacity-profiles",
    status_code=201,
    response_model=CapacityProfileOut,
    tags=["capacity"],
    responses=PROBLEMS,
    summary="Record an agency's level in a competency and its target",
)
async def record_capacity_profile(
    agency_id: uuid.UUID,
    body: CapacityProfileIn,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    idem = idempotent_request(f"partners.capacity:{agency_id}", idempotency_key, body.model_dump(mode="json"))
    return outcome_response(
        await capacity.record_capacity_profile(session, agency_id=agency_id, profile=body, idempotency=idem)
    )


@router.get(
    "/agencies/{agency_id}/capacity-profiles",
    response_model=Page[CapacityProfileOut],
    tags=["capacity"],
    responses=PROBLEMS,
    summary="Current level and gap per competency, or the whole history (newest first)",
)
async def capacity_profiles(
    agency_id: uuid.UUID, session: SessionDep, history: bool = False, limit: Limit = 50, cursor: Cursor = None
) -> Page[CapacityProfileOut]:
    items, next_cursor = await capacity.capacity_profiles(
        session, agency_id=agency_id, history=history, limit=limit, cursor=cursor
    )
    return Page[CapacityProfileOut](items=items, next_cursor=next_cursor, limit=limit)
