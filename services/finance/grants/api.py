"""HTTP routes of grants: the lead records agreements and receipts; members read them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page, keyset_page
from services.finance.grants import service as grants
from services.finance.grants.schemas import FulfilmentIn, GrantIn, GrantOut, ReceiptIn
from services.finance.models import GrantAgreement
from services.finance.partnerships import partnership_of

router = APIRouter(tags=["grants"])


@router.post(
    "/partnerships/{partnership_id}/grants",
    status_code=201,
    response_model=GrantOut,
    summary="Record a donor's grant agreement (the lead): amount, conditions, period; its ledger account opens "
    "with it (tranches may be planned from it). The same id again changes nothing",
)
async def record_grant(partnership_id: uuid.UUID, body: GrantIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await grants.record_grant(session, partnership_id=partnership_id, body=body))


@router.get("/partnerships/{partnership_id}/grants", response_model=Page[GrantOut])
async def list_grants(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[GrantOut]:
    async with session.begin():
        await partnership_of(session, partnership_id)
        rows, next_cursor = await keyset_page(
            session,
            select(GrantAgreement).where(GrantAgreement.partnership_id == partnership_id),
            created=GrantAgreement.agreed_at,
            key=GrantAgreement.id,
            limit=limit,
            cursor=cursor,
        )
        return Page[GrantOut](
            items=[grants.grant_view(r) for r in rows], next_cursor=next_cursor, limit=limit
        )


@router.get("/grants/{grant_id}", response_model=GrantOut)
async def get_grant(grant_id: uuid.UUID, session: SessionDep) -> GrantOut:
    async with session.begin():
        return grants.grant_view(await grants.get_grant(session, grant_id))


@router.post(
    "/grants/{grant_id}/receipts",
    status_code=201,
    summary="Record money received under the grant (the lead): posted from the grant's account to the shared "
    "pool, never beyond the amount agreed nor before every condition precedent is met. The same id again "
    "changes nothing",
)
async def record_receipt(grant_id: uuid.UUID, body: ReceiptIn, session: SessionDep) -> JSONResponse:
    return outcome_response(await grants.record_receipt(session, grant_id=grant_id, body=body))


@router.post(
    "/grants/{grant_id}/conditions/{condition_id}/fulfilment",
    response_model=GrantOut,
    summary="Record a grant condition met (the lead), with the date and its evidence; once every condition "
    "precedent is met, the grant's money may be received",
)
async def fulfil_condition(
    grant_id: uuid.UUID, condition_id: str, body: FulfilmentIn, session: SessionDep
) -> GrantOut:
    return await grants.fulfil_condition(session, grant_id=grant_id, condition_id=condition_id, body=body)
