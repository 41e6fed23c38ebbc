"""HTTP routes of spending: the lead sets the rate card and pays stipends and allowances; members read charges,
where each partner stands, stipends and allowances (another member its own people's)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.finance.spending import allowances, platforms, queries
from services.finance.spending import service as spending
from services.finance.spending.schemas import (
    AllowanceOut,
    FacilityChargeOut,
    PlatformChargeOut,
    PlatformEndIn,
    PlatformIn,
    PlatformOut,
    RateCardIn,
    RateCardOut,
    ReciprocityOut,
    StipendOut,
)

router = APIRouter(tags=["spending"])


@router.put(
    "/partnerships/{partnership_id}/rate-card",
    response_model=RateCardOut,
    summary="Set the rate card (the lead): hourly rates per facility kind and host, daily stipends per role. A "
    "new version applies from now on (201); the same card again changes nothing (200). Uses and stipends that "
    "waited for a rate are priced by it",
)
async def set_rate_card(partnership_id: uuid.UUID, body: RateCardIn, session: SessionDep) -> JSONResponse:
    outcome = await spending.set_rate_card(session, partnership_id=partnership_id, body=body)
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/rate-card", response_model=RateCardOut)
async def rate_card(partnership_id: uuid.UUID, session: SessionDep) -> RateCardOut:
    return await queries.rate_card(session, partnership_id=partnership_id)


@router.get(
    "/partnerships/{partnership_id}/facility-charges",
    response_model=Page[FacilityChargeOut],
    summary="Each booking a partnership cohort used: hours, rate, amount, and the settlement that paid the host",
)
async def facility_charges(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[FacilityChargeOut]:
    items, next_cursor = await queries.charges(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[FacilityChargeOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/partnerships/{partnership_id}/facility-reciprocity",
    response_model=ReciprocityOut,
    summary="Reciprocity in money terms: per partner, its cohorts' use of others' facilities against others' "
    "use of its own",
)
async def facility_reciprocity(partnership_id: uuid.UUID, session: SessionDep) -> ReciprocityOut:
    return await queries.reciprocity(session, partnership_id=partnership_id)


@router.get("/partnerships/{partnership_id}/stipends", response_model=Page[StipendOut])
async def list_stipends(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[StipendOut]:
    items, next_cursor = await queries.stipends(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[StipendOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/stipends/{stipend_id}", response_model=StipendOut)
async def get_stipend(stipend_id: uuid.UUID, session: SessionDep) -> StipendOut:
    return await queries.stipend(session, stipend_id=stipend_id)


@router.post(
    "/stipends/{stipend_id}/payment",
    status_code=201,
    response_model=StipendOut,
    summary="Pay a payable stipend from the shared pool (the lead); paying it again answers the payment (200)",
)
async def pay_stipend(stipend_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    outcome = await spending.pay_stipend(session, stipend_id=stipend_id)
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/allowances", response_model=Page[AllowanceOut])
async def list_allowances(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AllowanceOut]:
    items, next_cursor = await allowances.allowances(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[AllowanceOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/allowances/{allowance_id}", response_model=AllowanceOut)
async def get_allowance(allowance_id: uuid.UUID, session: SessionDep) -> AllowanceOut:
    return await allowances.allowance(session, allowance_id=allowance_id)


@router.post(
    "/allowances/{allowance_id}/payment",
    status_code=201,
    response_model=AllowanceOut,
    summary="Pay a trainee's payable travel and subsistence allowance from the shared pool to the trainee's "
    "country (the lead); paying it again answers the payment (200)",
)
async def pay_allowance(allowance_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    outcome = await allowances.pay_allowance(session, allowance_id=allowance_id)
    return outcome_response(outcome)


@router.post(
    "/partnerships/{partnership_id}/platforms",
    status_code=201,
    response_model=PlatformOut,
    summary="Record a digital learning platform subscription (the lead): a cost per period, charged from the "
    "shared pool and split between the members by the contribution scale; the same one again changes nothing",
)
async def subscribe_platform(
    partnership_id: uuid.UUID, body: PlatformIn, session: SessionDep
) -> JSONResponse:
    outcome = await platforms.subscribe(session, partnership_id=partnership_id, body=body)
    return outcome_response(outcome)


@router.post(
    "/platforms/{platform_id}/end",
    response_model=PlatformOut,
    summary="End a platform subscription (the lead): no period starts on or after `ends_on`; what was charged "
    "stays charged",
)
async def end_platform(platform_id: uuid.UUID, body: PlatformEndIn, session: SessionDep) -> PlatformOut:
    return await platforms.end(session, platform_id=platform_id, body=body)


@router.get("/partnerships/{partnership_id}/platforms", response_model=list[PlatformOut])
async def list_platforms(partnership_id: uuid.UUID, session: SessionDep) -> list[PlatformOut]:
    return await platforms.platforms(session, partnership_id=partnership_id)


@router.get(
    "/platforms/{platform_id}/charges",
    response_model=list[PlatformChargeOut],
    summary="Each period charged, with every member's part of it by the contribution scale it followed",
)
async def platform_charges(platform_id: uuid.UUID, session: SessionDep) -> list[PlatformChargeOut]:
    return await platforms.charges(session, platform_id=platform_id)
