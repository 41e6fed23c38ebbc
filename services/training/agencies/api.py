"""HTTP routes of the training service."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backbone.app import SessionDep
from backbone.pagination import Cursor, Limit, Page
from services.training.agencies import queries as service
from services.training.agencies.schemas import KnownAgencyOut

router = APIRouter()


@router.get(
    "/agencies",
    response_model=Page[KnownAgencyOut],
    tags=["agencies"],
    summary="Agencies as training knows them (read model fed by partners events)",
)
async def list_agencies(
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    status: Literal["pending", "active", "lapsed"] | None = None,
) -> Page[KnownAgencyOut]:
    rows, next_cursor = await service.list_known_agencies(
        session, limit=limit, cursor=cursor, country_code=country, status=status
    )
    return Page[KnownAgencyOut](
        items=[KnownAgencyOut.model_validate(r) for r in rows], next_cursor=next_cursor, limit=limit
    )


@router.get(
    "/agencies/{agency_id}",
    response_model=KnownAgencyOut,
    tags=["agencies"],
    responses={404: {"description": "Not (yet) known (problem+json)"}},
)
async def get_agency(agency_id: uuid.UUID, session: SessionDep) -> KnownAgencyOut:
    return KnownAgencyOut.model_validate(await service.get_known_agency(session, agency_id=agency_id))
