"""Trainees' travel and subsistence: a trainee who attended a cohort in another country is owed a return trip and
a per diem for the cohort's days, priced by the rate card in force for the venue (or waiting for a rate), paid by
the lead from the shared pool to the trainee country's travel account (that country pays its officer). A trainee
at home is owed nothing. One allowance per attendance, whichever delivery of its event arrives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.db import SYSTEM_TENANT, TENANT
from backbone.errors import DomainError
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from backbone.pagination import keyset_page
from contracts.events.finance import AllowancePaidV1, AllowancePayableV1
from contracts.events.training import TraineeAttendedV1
from rules.releasability import Release
from services.finance import SOURCE
from services.finance.models import Allowance, KnownPartnership, RateCard
from services.finance.partnerships import HANDLING, partnership_of, personal_release
from services.finance.spending import rules
from services.finance.spending.payouts import PersonalPayout, card_in_force, pay_once
from services.finance.spending.schemas import AllowanceOut

ALLOWANCES = uuid.UUID("8e0c6a43-71d2-4f4b-b1a5-2b9f5d0c7e38")
"""Namespace of allowance ids: one per attendance (nomination)."""


def allowance_view(row: Allowance) -> AllowanceOut:
    return AllowanceOut.model_validate(row, from_attributes=True)


def allowance_release(partnership: KnownPartnership, allowance: Allowance) -> Release:
    return personal_release(partnership, allowance.trainee_country_code)


def price(allowance: Allowance, card: RateCard | None) -> bool:
    owed = (
        rules.allowance(card.allowance_rates, allowance.venue_country_code, allowance.days) if card else None
    )
    if card is None or owed is None:
        return False
    allowance.rate_card_id, allowance.currency = card.id, card.currency
    allowance.travel, allowance.subsistence = owed
    allowance.amount, allowance.status = sum(owed), "payable"
    return True


async def announce_payable(
    session: AsyncSession, partnership: KnownPartnership, allowance: Allowance
) -> None:
    assert allowance.amount is not None and allowance.currency is not None
    assert allowance.travel is not None and allowance.subsistence is not None
    await add_event(
        session,
        AllowancePayableV1(
            allowance_id=str(allowance.id),
            partnership_id=str(allowance.partnership_id),
            cohort_id=str(allowance.cohort_id),
            nomination_id=str(allowance.nomination_id),
            trainee_country_code=allowance.trainee_country_code,
            venue_country_code=allowance.venue_country_code,
            days=allowance.days,
            travel=allowance.travel,
            subsistence=allowance.subsistence,
            amount=allowance.amount,
            currency=allowance.currency,
            payable_at=datetime.now(UTC),
        ),
        aggregate_id=str(allowance.id),
        source=SOURCE,
        release=allowance_release(partnership, allowance),
    )


async def price_waiting(session: AsyncSession, partnership: KnownPartnership, card: RateCard) -> int:
    """A new rate card prices the allowances that waited for one; how many it priced."""
    priced = 0
    waiting = select(Allowance).where(
        Allowance.partnership_id == partnership.partnership_id, Allowance.status == "unpriced"
    )
    for allowance in await session.scalars(waiting.with_for_update()):
        if price(allowance, card):
            priced += 1
            await announce_payable(session, partnership, allowance)
    return priced


async def record_attendance(
    session: AsyncSession, partnership: KnownPartnership, event: TraineeAttendedV1
) -> None:
    """Inside the consumer's transaction."""
    allowance_id = uuid.uuid5(ALLOWANCES, event.nomination_id)
    if event.trainee_country_code == event.venue_country_code:
        return  # trained at home: no trip, no per diem
    if await session.get(Allowance, allowance_id) is not None:
        return
    allowance = Allowance(
        id=allowance_id,
        partnership_id=partnership.partnership_id,
        cohort_id=uuid.UUID(event.cohort_id),
        nomination_id=uuid.UUID(event.nomination_id),
        trainee_country_code=event.trainee_country_code,
        venue_country_code=event.venue_country_code,
        days=event.days,
        status="unpriced",
        handling_code=HANDLING,
        attended_at=event.attended_at,
    )
    priced = price(allowance, await card_in_force(session, partnership.partnership_id, event.attended_at))
    session.add(allowance)
    await session.flush()
    if priced:
        await announce_payable(session, partnership, allowance)


ALLOWANCE_PAYOUT = PersonalPayout(
    model=Allowance,
    noun="allowance",
    account_kind="spent_travel",
    payee=lambda row: row.trainee_country_code,
    unpriced=lambda row: (
        f"The rate card prices no allowance for cohorts in {row.venue_country_code} yet: set one."
    ),
    paid=lambda row, transfer, at: AllowancePaidV1(
        allowance_id=str(row.id),
        partnership_id=str(row.partnership_id),
        amount=row.amount,
        currency=row.currency,
        transfer_id=str(transfer.id),
        paid_at=at,
    ),
    release=lambda partnership, row: allowance_release(partnership, row),
    view=lambda row: allowance_view(row),
)


async def pay_allowance(session: AsyncSession, *, allowance_id: uuid.UUID) -> Outcome:
    """The lead pays it from the shared pool to the trainee's country (paying it again answers the payment)."""
    return await pay_once(session, ALLOWANCE_PAYOUT, allowance_id)


async def allowances(
    session: AsyncSession, *, partnership_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[AllowanceOut], str | None]:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        query = select(Allowance).where(Allowance.partnership_id == partnership_id)
        viewer = TENANT.get()
        if viewer not in (SYSTEM_TENANT, partnership.lead_country_code):
            query = query.where(Allowance.trainee_country_code == viewer)  # another member: its own people's
        rows, next_cursor = await keyset_page(
            session, query, created=Allowance.attended_at, key=Allowance.id, limit=limit, cursor=cursor
        )
        return [allowance_view(row) for row in rows], next_cursor


async def allowance(session: AsyncSession, *, allowance_id: uuid.UUID) -> AllowanceOut:
    async with session.begin():
        found = await session.get(Allowance, allowance_id)
        if found is None:
            raise DomainError(f"No allowance with id {allowance_id}.", status=404, code="allowance_not_found")
        return allowance_view(found)
