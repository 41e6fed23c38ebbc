"""HTTP routes of funding tranches: the lead plans them and asks for extensions, members read them, and the
tranche's workflow has finance reserve, release or void it (`/internal/...`, the workflows' client only).
The internal routes are idempotent by the tranche's state: a retried step answers what was done."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page, keyset_page
from services.finance.models import FundingTranche, TrancheExtension
from services.finance.partnerships import partnership_of
from services.finance.tranches import service as tranches
from services.finance.tranches.schemas import ExtensionIn, ExtensionOut, MeasurementIn, TrancheIn, TrancheOut

router = APIRouter(tags=["tranches"])


@router.post(
    "/partnerships/{partnership_id}/tranches",
    status_code=201,
    response_model=TrancheOut,
    summary="Plan a results-gated tranche (the lead): reserved now, released when a measurement of its indicator "
    "meets the target by the deadline, voided otherwise. The same id again changes nothing",
)
async def plan_tranche(partnership_id: uuid.UUID, body: TrancheIn, session: SessionDep) -> JSONResponse:
    outcome = await tranches.plan_tranche(session, partnership_id=partnership_id, body=body)
    return outcome_response(outcome)


@router.get("/partnerships/{partnership_id}/tranches", response_model=Page[TrancheOut])
async def list_tranches(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TrancheOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows, next_cursor = await keyset_page(
            session,
            select(FundingTranche).where(FundingTranche.partnership_id == partnership_id),
            created=FundingTranche.planned_at,
            key=FundingTranche.id,
            limit=limit,
            cursor=cursor,
        )
        return Page[TrancheOut](
            items=[tranches.tranche_view(r) for r in rows], next_cursor=next_cursor, limit=limit
        )


@router.get("/tranches/{tranche_id}", response_model=TrancheOut)
async def get_tranche(tranche_id: uuid.UUID, session: SessionDep) -> TrancheOut:
    async with session.begin():
        return tranches.tranche_view(await tranches.get_tranche(session, tranche_id))


@router.post(
    "/tranches/{tranche_id}/extensions",
    status_code=201,
    response_model=ExtensionOut,
    summary="Ask the oversight body for a later deadline (the lead); the tranche waits for its decision",
)
async def request_extension(tranche_id: uuid.UUID, body: ExtensionIn, session: SessionDep) -> ExtensionOut:
    return await tranches.request_extension(session, tranche_id=tranche_id, body=body)


@router.get("/tranches/{tranche_id}/extensions", response_model=Page[ExtensionOut])
async def list_extensions(
    tranche_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ExtensionOut]:
    async with session.begin():
        await tranches.get_tranche(session, tranche_id)
        rows, next_cursor = await keyset_page(
            session,
            select(TrancheExtension).where(TrancheExtension.tranche_id == tranche_id),
            created=TrancheExtension.requested_at,
            key=TrancheExtension.id,
            limit=limit,
            cursor=cursor,
        )
        return Page[ExtensionOut](
            items=[tranches.extension_view(r) for r in rows], next_cursor=next_cursor, limit=limit
        )


@router.post("/internal/tranches/{tranche_id}/reservation", tags=["workflows"], response_model=TrancheOut)
async def reserve(tranche_id: uuid.UUID, session: SessionDep) -> TrancheOut:
    return await tranches.reserve(session, tranche_id=tranche_id)


@router.post("/internal/tranches/{tranche_id}/release", tags=["workflows"], response_model=TrancheOut)
async def release(tranche_id: uuid.UUID, body: MeasurementIn, session: SessionDep) -> TrancheOut:
    return await tranches.settle(session, tranche_id=tranche_id, measurement=body)


@router.post("/internal/tranches/{tranche_id}/void", tags=["workflows"], response_model=TrancheOut)
async def void(tranche_id: uuid.UUID, session: SessionDep) -> TrancheOut:
    return await tranches.settle(session, tranche_id=tranche_id, measurement=None)
