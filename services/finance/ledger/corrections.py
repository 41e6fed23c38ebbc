"""An operator's correction: a posted transfer is never changed; a reversing transfer (the same accounts the other
way round, all or part of the amount) undoes it, with the reason in its user data. Once per corrected transfer."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError
from services.finance.ledger.service import apply_transfer
from services.finance.models import LedgerTransfer
from services.finance.partnerships import partnership_of

CORRECTIONS = uuid.UUID("9b2d4f6a-8c1e-4a3b-9d5f-7e0a2c4b6d8f")
"""Namespace of correction ids: correcting the same transfer again finds the first correction."""
POSTED = ("single", "post_pending")


def correction_id(transfer_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(CORRECTIONS, str(transfer_id))


async def reverse(
    session: AsyncSession, *, transfer_id: uuid.UUID, reason: str, amount: int | None = None
) -> tuple[LedgerTransfer, bool]:
    """The reversing transfer, and whether it was recorded now (False: the transfer was corrected before)."""
    async with session.begin():
        done = await session.get(LedgerTransfer, correction_id(transfer_id))
        if done is not None:
            return done, False
        original = await session.scalar(select(LedgerTransfer).where(LedgerTransfer.id == transfer_id))
        if original is None:
            raise DomainError(f"No transfer with id {transfer_id}.", status=404, code="transfer_not_found")
        if original.kind not in POSTED:
            raise Conflict(
                f"A {original.kind} transfer moves nothing posted: void a pending one instead.",
                code="not_posted",
            )
        moved = original.amount if amount is None else amount
        if not 0 < moved <= original.amount:
            raise Conflict(f"A correction reverses 1 to {original.amount}.", code="exceeds_original")
        partnership = await partnership_of(session, original.partnership_id)
        row = await apply_transfer(
            session,
            partnership,
            transfer_id=correction_id(transfer_id),
            kind="single",
            debit_id=original.credit_account_id,
            credit_id=original.debit_account_id,
            amount=moved,
            code="correction",
            user_data=f"reverses {transfer_id}: {reason}"[:200],
        )
        return row, True
