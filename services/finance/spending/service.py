"""Spending's use cases: set the rate card (pricing what waited for it), record a facility's use and a delivered
assignment (consumers of training events, once each), pay a stipend (the lead), settle facility use to hosts
(the platform, periodically). Money moves from the partnership's shared pool to the category's spending
account of the partner paid (spent_facility_usage of the host, spent_stipends of the instructor's country,
spent_travel of a trainee's country: see allowances.py)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import (
    FacilityUsageSettledV1,
    FacilityUseShareV1,
    StipendPaidV1,
    StipendPayableV1,
)
from contracts.events.training import FacilityUsedV1, InstructorAssignmentDeliveredV1
from rules.releasability import Release
from services.finance import SOURCE
from services.finance.ledger.service import apply_transfer, ensure_account, shared_pool
from services.finance.models import FacilityCharge, KnownPartnership, RateCard, Stipend
from services.finance.partnerships import HANDLING, partnership_of, personal_release, release
from services.finance.spending import allowances, rules
from services.finance.spending.payouts import PersonalPayout, card_in_force, pay_once
from services.finance.spending.schemas import RateCardIn, RateCardOut, StipendOut

log = logging.getLogger(__name__)
STIPENDS = uuid.UUID("5d1b7f0e-2c4a-4e8b-9a61-0f3c2b7d9e11")
"""Namespace of stipend ids: one per delivered assignment, whichever delivery of its event arrives."""


def card_view(card: RateCard, priced: int = 0) -> RateCardOut:
    return RateCardOut.model_validate({**card.__dict__, "priced": priced}, from_attributes=False)


def stipend_view(row: Stipend) -> StipendOut:
    return StipendOut.model_validate(row, from_attributes=True)


def stipend_release(partnership: KnownPartnership, stipend: Stipend) -> Release:
    return personal_release(partnership, stipend.instructor_country_code)


async def set_rate_card(session: AsyncSession, *, partnership_id: uuid.UUID, body: RateCardIn) -> Outcome:
    """A new version from now on (the same card again changes nothing); what waited for a rate is priced."""
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        wanted = body.model_dump(mode="json")
        current = await session.scalar(
            select(RateCard)
            .where(RateCard.partnership_id == partnership_id)
            .order_by(RateCard.version.desc())
            .limit(1)
            .with_for_update()
        )
        if current is not None and all(getattr(current, k) == v for k, v in wanted.items()):
            return Outcome(200, card_view(current).model_dump(mode="json"))
        card = RateCard(
            id=uuid.uuid4(),
            partnership_id=partnership_id,
            version=(current.version + 1) if current else 1,
            **wanted,
            handling_code=HANDLING,
            valid_from=datetime.now(UTC),
        )
        session.add(card)
        await session.flush()
        priced = await _price_waiting(session, partnership, card)
        return Outcome(201, card_view(card, priced).model_dump(mode="json"))


async def _price_waiting(session: AsyncSession, partnership: KnownPartnership, card: RateCard) -> int:
    priced = 0
    waiting = select(FacilityCharge).where(
        FacilityCharge.partnership_id == partnership.partnership_id, FacilityCharge.status == "unpriced"
    )
    for charge in await session.scalars(waiting.with_for_update()):
        priced += _price_charge(charge, card)
    stipends = select(Stipend).where(
        Stipend.partnership_id == partnership.partnership_id, Stipend.status == "unpriced"
    )
    for stipend in await session.scalars(stipends.with_for_update()):
        if _price_stipend(stipend, card):
            priced += 1
            await _announce_payable(session, partnership, stipend)
    return priced + await allowances.price_waiting(session, partnership, card)


def _price_charge(charge: FacilityCharge, card: RateCard | None) -> int:
    rate = rules.facility_rate(card.facility_rates, charge.kind, charge.host_country_code) if card else None
    if card is None or rate is None:
        return 0
    charge.rate_card_id, charge.per_hour, charge.currency = card.id, rate, card.currency
    charge.amount, charge.status = rules.facility_amount(charge.hours, rate), "accrued"
    return 1


def _price_stipend(stipend: Stipend, card: RateCard | None) -> bool:
    rate = rules.stipend_rate(card.stipend_rates, stipend.role) if card else None
    if card is None or rate is None:
        return False
    stipend.rate_card_id, stipend.per_day, stipend.currency = card.id, rate, card.currency
    stipend.amount, stipend.status = stipend.days * rate, "payable"
    return True


async def _announce_payable(session: AsyncSession, partnership: KnownPartnership, stipend: Stipend) -> None:
    assert stipend.per_day is not None and stipend.amount is not None and stipend.currency is not None
    await add_event(
        session,
        StipendPayableV1(
            stipend_id=str(stipend.id),
            partnership_id=str(stipend.partnership_id),
            cohort_id=str(stipend.cohort_id),
            assignment_id=str(stipend.assignment_id),
            instructor_country_code=stipend.instructor_country_code,
            role=stipend.role,
            days=stipend.days,
            per_day=stipend.per_day,
            amount=stipend.amount,
            currency=stipend.currency,
            payable_at=datetime.now(UTC),
        ),
        aggregate_id=str(stipend.id),
        source=SOURCE,
        release=stipend_release(partnership, stipend),
    )


async def record_facility_use(
    session: AsyncSession, partnership: KnownPartnership, event: FacilityUsedV1, event_id: str
) -> None:
    """Inside the consumer's transaction; once per booking."""
    charge = FacilityCharge(
        booking_id=uuid.UUID(event.booking_id),
        partnership_id=partnership.partnership_id,
        cohort_id=uuid.UUID(event.cohort_id) if event.cohort_id else None,
        facility_id=uuid.UUID(event.facility_id),
        kind=event.kind,
        host_country_code=event.owner_country_code,
        user_country_code=event.booked_by_country_code,
        hours=event.hours,
        used_at=event.recorded_at,
        status="unpriced",
        event_id=event_id,
        handling_code=HANDLING,
        accrued_at=datetime.now(UTC),
    )
    _price_charge(charge, await card_in_force(session, partnership.partnership_id, event.recorded_at))
    values = {c.key: getattr(charge, c.key) for c in FacilityCharge.__table__.columns}
    await session.execute(pg_insert(FacilityCharge).values(values).on_conflict_do_nothing())


async def record_delivery(
    session: AsyncSession, partnership: KnownPartnership, event: InstructorAssignmentDeliveredV1
) -> None:
    """Inside the consumer's transaction; once per assignment (a redelivery finds its stipend)."""
    stipend_id = uuid.uuid5(STIPENDS, event.assignment_id)
    if await session.get(Stipend, stipend_id) is not None:
        return
    stipend = Stipend(
        id=stipend_id,
        partnership_id=partnership.partnership_id,
        cohort_id=uuid.UUID(event.cohort_id),
        assignment_id=uuid.UUID(event.assignment_id),
        instructor_country_code=event.instructor_country_code,
        role=event.role,
        days=event.days,
        status="unpriced",
        handling_code=HANDLING,
        delivered_at=event.delivered_at,
    )
    priced = _price_stipend(
        stipend, await card_in_force(session, partnership.partnership_id, event.delivered_at)
    )
    session.add(stipend)
    await session.flush()
    if priced:
        await _announce_payable(session, partnership, stipend)


STIPEND_PAYOUT = PersonalPayout(
    model=Stipend,
    noun="stipend",
    account_kind="spent_stipends",
    payee=lambda row: row.instructor_country_code,
    unpriced=lambda row: f"The rate card prices no {row.role} stipend yet: set one first.",
    paid=lambda row, transfer, at: StipendPaidV1(
        stipend_id=str(row.id),
        partnership_id=str(row.partnership_id),
        amount=row.amount,
        currency=row.currency,
        transfer_id=str(transfer.id),
        paid_at=at,
    ),
    release=lambda partnership, row: stipend_release(partnership, row),
    view=lambda row: stipend_view(row),
)


async def pay_stipend(session: AsyncSession, *, stipend_id: uuid.UUID) -> Outcome:
    """The lead pays it from the shared pool (paying it again answers the payment)."""
    return await pay_once(session, STIPEND_PAYOUT, stipend_id)


async def settle_facility_use(session: AsyncSession, *, now: datetime) -> tuple[int, int]:
    """One transfer per partnership, host and currency for the use accrued so far (the platform's periodic run,
    `*`); returns (settled, refused). A pool that cannot pay leaves its charges accrued for the next run and
    holds back no other host."""
    groups = select(
        FacilityCharge.partnership_id, FacilityCharge.host_country_code, FacilityCharge.currency
    ).where(FacilityCharge.status == "accrued")
    settled = refused = 0
    async with session.begin():
        for partnership_id, host, currency in (await session.execute(groups.distinct())).tuples():
            assert currency is not None  # accrued means priced
            try:
                async with session.begin_nested():
                    await _settle(session, await partnership_of(session, partnership_id), host, currency, now)
                settled += 1
            except Conflict as refusal:
                refused += 1
                log.warning(
                    "facility use not settled",
                    extra={"partnership_id": str(partnership_id), "host": host, "why": refusal.detail},
                )
    return settled, refused


async def _settle(
    session: AsyncSession, partnership: KnownPartnership, host: str, currency: str, now: datetime
) -> None:
    charges = list(
        await session.scalars(
            select(FacilityCharge)
            .where(
                FacilityCharge.partnership_id == partnership.partnership_id,
                FacilityCharge.host_country_code == host,
                FacilityCharge.currency == currency,
                FacilityCharge.status == "accrued",
            )
            .order_by(FacilityCharge.booking_id)
            .with_for_update(skip_locked=True)
        )
    )
    amount = sum(c.amount or 0 for c in charges)
    if amount <= 0:  # nothing, or minutes that round to no minor unit: they wait for more use
        return
    settlement_id = uuid.uuid4()
    transfer = await apply_transfer(
        session,
        partnership,
        transfer_id=uuid.uuid5(settlement_id, "settled"),
        kind="single",
        debit_id=await shared_pool(session, partnership, currency),
        credit_id=await ensure_account(
            session, partnership, kind="spent_facility_usage", currency=currency, country_code=host
        ),
        amount=amount,
        code="facility_usage",
        user_data=f"facility settlement {settlement_id}",
    )
    by_user: dict[str, int] = {}
    for charge in charges:
        charge.status, charge.settlement_id, charge.transfer_id, charge.settled_at = (
            "settled",
            settlement_id,
            transfer.id,
            now,
        )
        by_user[charge.user_country_code] = by_user.get(charge.user_country_code, 0) + (charge.amount or 0)
    await add_event(
        session,
        FacilityUsageSettledV1(
            partnership_id=str(partnership.partnership_id),
            settlement_id=str(settlement_id),
            host_country_code=host,
            currency=currency,
            amount=amount,
            hours=sum((c.hours for c in charges), Decimal(0)),
            bookings=len(charges),
            by_user=[FacilityUseShareV1(country_code=c, amount=a) for c, a in sorted(by_user.items()) if a],
            transfer_id=str(transfer.id),
            settled_at=now,
        ),
        aggregate_id=str(partnership.partnership_id),
        source=SOURCE,
        release=release(partnership),
    )
