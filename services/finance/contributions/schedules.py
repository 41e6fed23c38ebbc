"""What each partner owes and when: its assessed share of a budget in instalments (rescheduled when the scale
changes, what it paid kept), its money pledges, reminders before an instalment falls due and the flag when it
passes unpaid (arrears)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.outbox import add_event
from contracts.events.commitments import CommitmentRegisteredV1, CommitmentRenewalConcludedV1
from contracts.events.finance import (
    ContributionDueV1,
    ContributionOverdueV1,
    ContributionScheduledV1,
    DueKind,
    InstalmentV1,
)
from rules import contribution_schedule
from rules.currencies import MINOR_UNITS
from services.finance import SOURCE
from services.finance.models import (
    Budget,
    ContributionBasis,
    ContributionDue,
    ContributionScale,
    KnownPartnership,
)
from services.finance.partnerships import HANDLING, release

REMIND_BEFORE = timedelta(days=14)
DEFAULT_INSTALMENTS = 4


async def schedule_assessed(
    session: AsyncSession,
    partnership: KnownPartnership,
    budget: Budget,
    scale: ContributionScale,
    basis: ContributionBasis,
) -> None:
    """Each member's share of the budget, less what it paid already, over the instalment dates still ahead; the
    open instalments it replaces are superseded (a part-paid one is closed at what it was paid)."""
    dues = (
        await session.scalars(
            select(ContributionDue)
            .where(ContributionDue.budget_id == budget.id)
            .order_by(ContributionDue.number)
            .with_for_update()
        )
    ).all()
    today = datetime.now(UTC).date()
    for country in sorted(set(scale.amounts) | {due.country_code for due in dues}):
        mine = [due for due in dues if due.country_code == country]
        if country not in partnership.member_countries:
            # A member that left still owes what fell due while it was one (its arrears stay open), nothing later.
            later = [due for due in mine if due.status == "open" and due.due_on > today]
            if later:
                await _replace(
                    session,
                    partnership,
                    later,
                    [],
                    country=country,
                    kind="assessed",
                    currency=budget.currency,
                    reason=scale.reason,
                    budget_id=budget.id,
                    scale_id=scale.id,
                )
            continue
        owed = scale.amounts.get(country, 0) - sum(due.paid for due in mine)
        plan = contribution_schedule.reschedule(
            owed,
            starts_on=budget.starts_on,
            ends_on=budget.ends_on,
            count=basis.installments,
            today=today,
            first_number=max((due.number for due in mine), default=0) + 1,
        )
        still_open = [due for due in mine if due.status == "open"]
        if [(due.due_on, due.amount - due.paid) for due in still_open] == [
            (i.due_on, i.amount) for i in plan
        ]:
            continue  # the same amounts on the same dates: nothing to tell anyone
        await _replace(
            session,
            partnership,
            still_open,
            plan,
            country=country,
            kind="assessed",
            currency=budget.currency,
            reason=scale.reason,
            budget_id=budget.id,
            scale_id=scale.id,
        )


async def _replace(
    session: AsyncSession,
    partnership: KnownPartnership,
    replaced: Sequence[ContributionDue],
    plan: list[contribution_schedule.Instalment],
    *,
    country: str,
    kind: DueKind,
    currency: str,
    reason: str,
    budget_id: uuid.UUID | None = None,
    scale_id: uuid.UUID | None = None,
    commitment_id: uuid.UUID | None = None,
) -> None:
    now = datetime.now(UTC)
    for due in replaced:
        if due.paid:
            due.amount, due.status = due.paid, "paid"
        else:
            due.status = "superseded" if kind == "assessed" else "cancelled"
        due.closed_reason = reason
    created = [
        ContributionDue(
            id=uuid.uuid4(),
            partnership_id=partnership.partnership_id,
            country_code=country,
            kind=kind,
            budget_id=budget_id,
            scale_id=scale_id,
            commitment_id=commitment_id,
            number=instalment.number,
            due_on=instalment.due_on,
            currency=currency,
            amount=instalment.amount,
            paid=0,
            status="open",
            handling_code=HANDLING,
            created_at=now,
        )
        for instalment in plan
    ]
    session.add_all(created)
    await session.flush()
    await add_event(
        session,
        ContributionScheduledV1(
            partnership_id=str(partnership.partnership_id),
            country_code=country,
            kind=kind,
            budget_id=str(budget_id) if budget_id else None,
            commitment_id=str(commitment_id) if commitment_id else None,
            currency=currency,
            reason=reason,
            instalments=[
                InstalmentV1(due_id=str(due.id), number=due.number, due_on=due.due_on, amount=due.amount)
                for due in created
            ],
            replaced_due_ids=[str(due.id) for due in replaced],
            scheduled_at=now,
        ),
        aggregate_id=str(partnership.partnership_id),
        source=SOURCE,
        release=release(partnership),
    )


def minor_units(amount: Decimal, currency: str) -> int:
    """A decimal amount of `currency` in its minor units (half to even, as banks round)."""
    return int((amount * (10 ** MINOR_UNITS[currency])).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


async def pledge(session: AsyncSession, partnership: KnownPartnership, event: CommitmentRegisteredV1) -> bool:
    """A money commitment becomes receivable: its amount in instalments over its period (once per commitment,
    however often the event comes). False when it is not money in a currency the ledger keeps."""
    if event.kind != "money" or event.currency not in MINOR_UNITS:
        return False
    commitment_id = uuid.UUID(event.commitment_id)
    known = await session.scalar(select(func.count()).where(ContributionDue.commitment_id == commitment_id))
    if known:
        return True
    basis = await session.get(ContributionBasis, partnership.partnership_id)
    amount = minor_units(event.amount, event.currency)
    plan = contribution_schedule.schedule(
        amount,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        count=basis.installments if basis else DEFAULT_INSTALMENTS,
    )
    await _replace(
        session,
        partnership,
        [],
        plan,
        country=event.country_code,
        kind="pledge",
        currency=event.currency,
        reason="pledged",
        commitment_id=commitment_id,
    )
    return True


async def commitment_concluded(
    session: AsyncSession, partnership: KnownPartnership, event: CommitmentRenewalConcludedV1
) -> None:
    """A lapsed money commitment is owed through its last day and no further: its open instalments after it are
    cancelled (a renewed or renegotiated one goes on as its successor's pledge, from that one's registration)."""
    if event.kind != "money" or event.outcome != "lapsed":
        return
    after = (
        await session.scalars(
            select(ContributionDue)
            .where(
                ContributionDue.commitment_id == uuid.UUID(event.commitment_id),
                ContributionDue.status == "open",
                ContributionDue.due_on > event.ends_on,
            )
            .with_for_update()
        )
    ).all()
    if after:
        await _replace(
            session,
            partnership,
            after,
            [],
            country=event.country_code,
            kind="pledge",
            currency=after[0].currency,
            reason="commitment_lapsed",
            commitment_id=after[0].commitment_id,
        )


async def remind_and_flag(session: AsyncSession, *, today: date) -> tuple[int, int]:
    """Reminders for open instalments falling due within two weeks, arrears for those past their date: each
    told once. Returns (reminded, flagged)."""
    now = datetime.now(UTC)
    soon = (
        await session.scalars(
            select(ContributionDue)
            .where(
                ContributionDue.status == "open",
                ContributionDue.reminded_at.is_(None),
                ContributionDue.due_on >= today,
                ContributionDue.due_on <= today + REMIND_BEFORE,
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    late = (
        await session.scalars(
            select(ContributionDue)
            .where(
                ContributionDue.status == "open",
                ContributionDue.overdue_at.is_(None),
                ContributionDue.due_on < today,
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    partnerships = {
        row.partnership_id: row
        for row in await session.scalars(
            select(KnownPartnership).where(
                KnownPartnership.partnership_id.in_({due.partnership_id for due in [*soon, *late]})
            )
        )
    }

    async def announce(due: ContributionDue, event: ContributionDueV1 | ContributionOverdueV1) -> None:
        partnership = partnerships[due.partnership_id]
        await add_event(
            session,
            event,
            aggregate_id=str(due.partnership_id),
            source=SOURCE,
            release=release(partnership, due.country_code),
        )

    for due in soon:
        due.reminded_at = now
        await announce(
            due,
            ContributionDueV1(
                due_id=str(due.id),
                partnership_id=str(due.partnership_id),
                country_code=due.country_code,
                kind=due.kind,
                due_on=due.due_on,
                currency=due.currency,
                amount=due.amount,
                outstanding=due.amount - due.paid,
                reminded_at=now,
            ),
        )
    for due in late:
        due.overdue_at = now
        await announce(
            due,
            ContributionOverdueV1(
                due_id=str(due.id),
                partnership_id=str(due.partnership_id),
                country_code=due.country_code,
                kind=due.kind,
                due_on=due.due_on,
                currency=due.currency,
                outstanding=due.amount - due.paid,
                overdue_at=now,
            ),
        )
    return len(soon), len(late)
