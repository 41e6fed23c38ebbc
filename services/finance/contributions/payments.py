"""Payments against instalments, posted to the ledger (the partner's receivable → the shared pool), and the
partnership's exchange rates that credit a payment made in another currency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import ContributionPaidV1
from rules.currencies import MINOR_UNITS
from services.finance import SOURCE
from services.finance.contributions.schemas import PaymentIn, PaymentOut, RateIn, RateOut
from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import ContributionDue, ContributionPayment, ExchangeRate
from services.finance.partnerships import HANDLING, partnership_of, release

PAYMENTS = uuid.UUID("6f1c8f8e-2b7a-4c52-9d0e-3a4b5c6d7e8f")
"""Namespace of the ledger transfer ids of payments (one transfer per payment, whatever retries)."""


def payment_view(row: ContributionPayment) -> PaymentOut:
    return PaymentOut.model_validate(row, from_attributes=True)


def convert(amount: int, *, rate: Decimal, from_currency: str, to_currency: str) -> int:
    """`amount` minor units of one currency in minor units of another (half to even)."""
    scale = Decimal(10) ** (MINOR_UNITS[to_currency] - MINOR_UNITS[from_currency])
    return int((Decimal(amount) * rate * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


async def record_payment(session: AsyncSession, *, due_id: uuid.UUID, body: PaymentIn) -> Outcome:
    async with session.begin():
        existing = await session.get(ContributionPayment, body.id)
        if existing is not None:
            same = (existing.due_id, existing.paid_amount, existing.paid_currency, existing.paid_on) == (
                due_id,
                body.amount,
                body.currency,
                body.paid_on,
            )
            if not same:
                raise Conflict(f"Payment {body.id} exists with other fields.", code="payment_exists")
            return Outcome(200, payment_view(existing).model_dump(mode="json"))
        due = await session.get(ContributionDue, due_id, with_for_update=True)
        if due is None:
            raise DomainError(f"No instalment with id {due_id}.", status=404, code="due_not_found")
        if due.status != "open":
            raise Conflict(f"The instalment is {due.status}: nothing is owed on it.", code="due_closed")
        partnership = await partnership_of(session, due.partnership_id)
        rate: ExchangeRate | None = None
        credited = body.amount
        if body.currency != due.currency:
            rate = await session.scalar(
                select(ExchangeRate)
                .where(
                    ExchangeRate.partnership_id == due.partnership_id,
                    ExchangeRate.currency == body.currency,
                    ExchangeRate.to_currency == due.currency,
                    ExchangeRate.as_of <= body.paid_on,
                )
                .order_by(ExchangeRate.as_of.desc())
                .limit(1)
            )
            if rate is None:
                raise field_problem(
                    "currency",
                    "no_exchange_rate",
                    f"No rate from {body.currency} to {due.currency} on or before {body.paid_on}: the lead "
                    "records one first.",
                )
            credited = convert(
                body.amount, rate=rate.rate, from_currency=body.currency, to_currency=due.currency
            )
            if credited <= 0:
                raise field_problem("amount", "below_one_minor_unit", "The payment converts to nothing.")
        outstanding = due.amount - due.paid
        if credited > outstanding:
            raise field_problem(
                "amount", "exceeds_amount_due", f"{credited} {due.currency} credited; {outstanding} is owed."
            )
        receivable = await ensure_account(
            session,
            partnership,
            kind="contributions_receivable",
            currency=due.currency,
            country_code=due.country_code,
        )
        pool = await shared_pool(session, partnership, due.currency)
        transfer = await apply_transfer(
            session,
            partnership,
            transfer_id=uuid.uuid5(PAYMENTS, str(body.id)),
            kind="single",
            debit_id=receivable,
            credit_id=pool,
            amount=credited,
            code="contribution",
            user_data=f"payment {body.id}",
        )
        due.paid += credited
        if due.paid == due.amount:
            due.status = "paid"
        now = datetime.now(UTC)
        payment = ContributionPayment(
            id=body.id,
            due_id=due.id,
            partnership_id=due.partnership_id,
            country_code=due.country_code,
            paid_amount=body.amount,
            paid_currency=body.currency,
            credited=credited,
            rate=rate.rate if rate else None,
            rate_as_of=rate.as_of if rate else None,
            rate_source=rate.source if rate else None,
            paid_on=body.paid_on,
            reference=body.reference,
            transfer_id=transfer.id,
            handling_code=HANDLING,
            recorded_at=now,
        )
        session.add(payment)
        await session.flush()
        await add_event(
            session,
            ContributionPaidV1(
                payment_id=str(payment.id),
                due_id=str(due.id),
                partnership_id=str(due.partnership_id),
                country_code=due.country_code,
                currency=due.currency,
                credited=credited,
                paid_amount=body.amount,
                paid_currency=body.currency,
                rate=str(rate.rate) if rate else None,
                outstanding=due.amount - due.paid,
                transfer_id=str(transfer.id),
                paid_on=body.paid_on,
                recorded_at=now,
            ),
            aggregate_id=str(due.partnership_id),
            source=SOURCE,
            release=release(partnership, due.country_code),
        )
        return Outcome(
            201, payment_view(payment).model_dump(mode="json"), {"Location": f"/payments/{payment.id}"}
        )


async def record_rate(session: AsyncSession, *, partnership_id: uuid.UUID, body: RateIn) -> RateOut:
    """The partnership's rate of a day; the same rate again changes nothing, another one for that day is 409."""
    async with session.begin():
        await partnership_of(session, partnership_id)
        existing = await session.scalar(
            select(ExchangeRate).where(
                ExchangeRate.partnership_id == partnership_id,
                ExchangeRate.currency == body.currency,
                ExchangeRate.to_currency == body.to_currency,
                ExchangeRate.as_of == body.as_of,
            )
        )
        if existing is not None:
            if (existing.rate, existing.source) != (body.rate, body.source):
                raise Conflict(
                    f"A rate from {body.currency} to {body.to_currency} on {body.as_of} is recorded: "
                    f"{existing.rate} ({existing.source}).",
                    code="rate_recorded",
                )
            return RateOut.model_validate(existing, from_attributes=True)
        row = ExchangeRate(
            id=uuid.uuid4(), partnership_id=partnership_id, **body.model_dump(), recorded_at=datetime.now(UTC)
        )
        session.add(row)
        try:
            await session.flush()
        except IntegrityError as exc:  # the same day's rate recorded meanwhile
            raise Conflict(
                "A rate for this pair and day was recorded meanwhile.", code="rate_recorded"
            ) from exc
        return RateOut.model_validate(row, from_attributes=True)
