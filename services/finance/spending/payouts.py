"""What every payment for training's work shares: the rate card in force when the work was done, and the
transfer that pays from the partnership's shared pool into a spending account of the category (a country's, or the
partnership's own when the payee is outside it, a platform's vendor)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.envelope import Event
from rules.releasability import Release
from services.finance import SOURCE
from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import KnownPartnership, LedgerTransfer, RateCard
from services.finance.partnerships import partnership_of


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


@dataclass(frozen=True)
class PersonalPayout:
    """A stipend or an allowance: money owed to a country for one of its people, payable once priced, paid once
    by the lead (the row has `status` unpriced/payable/paid, `amount`, `currency`, `transfer_id`, `paid_at`)."""

    model: type[Any]
    noun: str
    account_kind: str
    payee: Callable[[Any], str]
    """The country paid (it pays its officer)."""
    unpriced: Callable[[Any], str]
    """Why it cannot be paid yet, for the 409."""
    paid: Callable[[Any, LedgerTransfer, datetime], Event]
    release: Callable[[KnownPartnership, Any], Release]
    view: Callable[[Any], BaseModel]


async def pay_once(session: AsyncSession, payout: PersonalPayout, row_id: uuid.UUID) -> Outcome:
    """The lead pays it from the shared pool: 201; paying it again answers the payment (200)."""
    async with session.begin():
        row = await session.get(payout.model, row_id, with_for_update=True)
        if row is None:
            raise DomainError(
                f"No {payout.noun} with id {row_id}.", status=404, code=f"{payout.noun}_not_found"
            )
        if row.status == "paid":
            return Outcome(200, payout.view(row).model_dump(mode="json"))
        if row.status == "unpriced":
            raise Conflict(payout.unpriced(row), code=f"{payout.noun}_unpriced")
        partnership = await partnership_of(session, row.partnership_id)
        transfer = await pay_out(
            session,
            partnership,
            payout_id=row.id,
            currency=row.currency,
            amount=row.amount,
            account_kind=payout.account_kind,
            country_code=payout.payee(row),
            code=payout.noun,
        )
        row.status, row.transfer_id, row.paid_at = "paid", transfer.id, datetime.now(UTC)
        await add_event(
            session,
            payout.paid(row, transfer, row.paid_at),
            aggregate_id=str(row.id),
            source=SOURCE,
            release=payout.release(partnership, row),
        )
        return Outcome(201, payout.view(row).model_dump(mode="json"))
