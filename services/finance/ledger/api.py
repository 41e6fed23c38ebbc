"""HTTP routes of the ledger: a partnership's accounts and transfers (the lead keeps the ledger, members read it)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backbone.app import SessionDep
from backbone.idempotency import outcome_response
from backbone.pagination import Cursor, Limit, Page
from services.finance.ledger import queries
from services.finance.ledger import service as ledger
from services.finance.ledger.schemas import (
    AccountIn,
    AccountOut,
    TransferBatchIn,
    TransferBatchOut,
    TransferIn,
    TransferOut,
)

router = APIRouter(tags=["ledger"])


@router.post(
    "/partnerships/{partnership_id}/accounts",
    status_code=201,
    response_model=AccountOut,
    summary="Open an account of the partnership's ledger (the lead); the same id again changes nothing",
)
async def open_account(partnership_id: uuid.UUID, body: AccountIn, session: SessionDep) -> JSONResponse:
    outcome = await ledger.open_account(session, partnership_id=partnership_id, account=body)
    return outcome_response(outcome)


@router.get(
    "/partnerships/{partnership_id}/accounts",
    response_model=Page[AccountOut],
    summary="The partnership's accounts with their pending and posted debits and credits",
)
async def list_accounts(
    partnership_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AccountOut]:
    items, next_cursor = await queries.accounts(
        session, partnership_id=partnership_id, limit=limit, cursor=cursor
    )
    return Page[AccountOut](items=items, next_cursor=next_cursor, limit=limit)


@router.post(
    "/partnerships/{partnership_id}/transfers",
    status_code=201,
    response_model=TransferOut,
    summary="Record a transfer: single, pending (with a timeout), or the post or void of a pending one. The same "
    "id again changes nothing (200 with the original)",
)
async def record_transfer(partnership_id: uuid.UUID, body: TransferIn, session: SessionDep) -> JSONResponse:
    outcome = await ledger.record_transfer(session, partnership_id=partnership_id, transfer=body)
    return outcome_response(outcome)


@router.post(
    "/partnerships/{partnership_id}/transfer-batches",
    status_code=201,
    response_model=TransferBatchOut,
    summary="Record up to 1,000 transfers in one transaction, in order, all or none (201 if any is new, else "
    "200); each result says whether it was created or recorded before under its id",
)
async def record_transfers(
    partnership_id: uuid.UUID, body: TransferBatchIn, session: SessionDep
) -> JSONResponse:
    recorded = await ledger.record_transfers(session, partnership_id=partnership_id, transfers=body.transfers)
    results = [
        {**ledger.transfer_view(row).model_dump(mode="json"), "outcome": "created" if created else "existing"}
        for created, row in recorded
    ]
    status = 201 if any(created for created, _ in recorded) else 200
    return JSONResponse({"transfers": results}, status_code=status)


@router.get("/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: uuid.UUID, session: SessionDep) -> AccountOut:
    return await queries.account(session, account_id=account_id)


@router.get(
    "/accounts/{account_id}/transfers",
    response_model=Page[TransferOut],
    summary="The account's transfers in the order they were recorded (what its balances are the sums of)",
)
async def account_transfers(
    account_id: uuid.UUID, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TransferOut]:
    items, next_cursor = await queries.transfers_of(
        session, account_id=account_id, limit=limit, cursor=cursor
    )
    return Page[TransferOut](items=items, next_cursor=next_cursor, limit=limit)


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
async def get_transfer(transfer_id: uuid.UUID, session: SessionDep) -> TransferOut:
    return await queries.transfer(session, transfer_id=transfer_id)
