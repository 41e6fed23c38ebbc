"""What every payment for training's work shares: the rate card in force when the work was done, and the
transfer that pays from the partnership's shared pool into a spending account of the category (a country's, or the
partnership's own when the payee is outside it, a platform's vendor)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import KnownPartnership, LedgerTransfer, RateCard


async def card_in_force(session: AsyncSession, partnership_id: uuid.UUID, at: datetime) -> RateCard | None:
    return await session.scalar(
        select(RateCard)
        .where(RateCard.partnership_id == partnership_id, RateCard.valid_from <= at)
        .order_by(RateCard.version.desc())
        .limit(1)
    )


async def pay_out(
    session: AsyncSession,
    partnership: KnownPartnership,
    *,
    payout_id: uuid.UUID,
    currency: str,
    amount: int,
    account_kind: str,
    country_code: str | None,
    code: str,
) -> LedgerTransfer:
    """One transfer, its id derived from the payout's (a retry finds it), refused when the pool cannot pay."""
    return await apply_transfer(
        session,
        partnership,
        transfer_id=uuid.uuid5(payout_id, "paid"),
        kind="single",
        debit_id=await shared_pool(session, partnership, currency),
        credit_id=await ensure_account(
            session, partnership, kind=account_kind, currency=currency, country_code=country_code
        ),
        amount=amount,
        code=code,
        user_data=f"{code} {payout_id}",
    )
