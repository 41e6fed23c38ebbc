"""Reading the ledger: a partnership's accounts with their balances, one account's transfers in order, a
transfer. Row-level security confines every read to the partnership's members."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import NotFound
from backbone.pagination import keyset_page, sequence_page
from services.finance.ledger.schemas import AccountOut, TransferOut
from services.finance.ledger.service import account_view, transfer_view
from services.finance.models import LedgerAccount, LedgerTransfer


async def accounts(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AccountOut], str | None]:
    async with session.begin():
        rows, next_cursor = await keyset_page(
            session,
            select(LedgerAccount).where(LedgerAccount.partnership_id == partnership_id),
            created=LedgerAccount.created_at,
            key=LedgerAccount.id,
            limit=limit,
            cursor=cursor,
        )
        return [account_view(r) for r in rows], next_cursor


async def account(session: AsyncSession, *, account_id: uuid.UUID) -> AccountOut:
    async with session.begin():
        row = await session.get(LedgerAccount, account_id)
        if row is None:
            raise NotFound(f"No account with id {account_id}.", code="account_not_found")
        return account_view(row)


async def transfer(session: AsyncSession, *, transfer_id: uuid.UUID) -> TransferOut:
    async with session.begin():
        row = await session.get(LedgerTransfer, transfer_id)
        if row is None:
            raise NotFound(f"No transfer with id {transfer_id}.", code="transfer_not_found")
        return transfer_view(row)


async def transfers_of(
    session: AsyncSession, *, account_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[TransferOut], str | None]:
    """In the order they were recorded: every figure of the account traced to its transfers."""
    async with session.begin():
        if await session.get(LedgerAccount, account_id) is None:
            raise NotFound(f"No account with id {account_id}.", code="account_not_found")
        rows, next_cursor = await sequence_page(
            session,
            select(LedgerTransfer).where(
                or_(
                    LedgerTransfer.debit_account_id == account_id,
                    LedgerTransfer.credit_account_id == account_id,
                )
            ),
            key=LedgerTransfer.sequence,
            limit=limit,
            cursor=cursor,
        )
        return [transfer_view(r) for r in rows], next_cursor
