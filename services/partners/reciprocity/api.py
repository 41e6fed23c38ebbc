"""HTTP routes of the reciprocity ledger (exchanges given and received per country)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from backbone.app import SessionDep
from contracts.events.training import ExchangeKind
from services.partners.problems import PROBLEMS
from services.partners.reciprocity import service as reciprocity
from services.partners.reciprocity.schemas import CountryReciprocityOut, PartnershipReciprocityOut

router = APIRouter()


Since = Annotated[date | None, Query(description="Exchanges completed on or after this day (UTC)")]

Until = Annotated[date | None, Query(description="Exchanges completed on or before this day (UTC)")]


@router.get(
    "/countries/{code}/reciprocity",
    response_model=CountryReciprocityOut,
    tags=["reciprocity"],
    responses=PROBLEMS,
    summary="What the country hosted against what its officers received abroad, in total and per country",
)
async def country_reciprocity(
    code: CountryCode,
    session: SessionDep,
    kind: ExchangeKind | None = None,
    since: Since = None,
    until: Until = None,
) -> CountryReciprocityOut:
    return await reciprocity.country_reciprocity(session, code=code, kind=kind, since=since, until=until)


@router.get(
    "/partnerships/{partnership_id}/reciprocity",
    response_model=PartnershipReciprocityOut,
    tags=["reciprocity"],
    responses=PROBLEMS,
    summary="Each member country's reciprocity within the partnership",
)
async def partnership_reciprocity(
    partnership_id: uuid.UUID,
    session: SessionDep,
    kind: ExchangeKind | None = None,
    since: Since = None,
    until: Until = None,
) -> PartnershipReciprocityOut:
    return await reciprocity.partnership_reciprocity(
        session, partnership_id=partnership_id, kind=kind, since=since, until=until
    )


CountryCode = Annotated[str, Path(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
