"""Budgets: the lead proposes a budget (or a revision), the oversight body decides (a partners `budget`
decision, opened from this service's event), and the decision's outcome adopts or rejects the version."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import Conflict, DomainError, field_problem
from backbone.idempotency import Outcome
from backbone.outbox import add_event
from contracts.events.finance import (
    BudgetAdoptedV1,
    BudgetLineV1,
    BudgetProposedV1,
    BudgetRejectedV1,
    BudgetRevisedV1,
)
from contracts.events.partners import DecisionClosedV1
from services.finance import SOURCE
from services.finance.budgets.schemas import BudgetIn, BudgetLineIn, BudgetOut, RevisionIn, VersionOut
from services.finance.models import Budget, BudgetVersion, KnownPartnership
from services.finance.partnerships import HANDLING, partnership_of, release

SUBJECT_PREFIX = "finance:budget-version:"


async def budget_view(session: AsyncSession, budget: Budget) -> BudgetOut:
    versions = (
        await session.scalars(
            select(BudgetVersion).where(BudgetVersion.budget_id == budget.id).order_by(BudgetVersion.number)
        )
    ).all()
    return BudgetOut.model_validate(
        {
            **{name: getattr(budget, name) for name in BudgetOut.model_fields if name != "versions"},
            "versions": [VersionOut.model_validate(version, from_attributes=True) for version in versions],
        }
    )


def _lines(partnership: KnownPartnership, lines: list[BudgetLineIn]) -> list[dict[str, Any]]:
    stored = []
    for index, line in enumerate(lines):
        owner = line.owner_country_code.upper()
        if owner not in partnership.member_countries:
            raise field_problem(
                f"lines.{index}.owner_country_code", "not_a_member", "A line's owner must be a member."
            )
        stored.append({"category": line.category, "owner_country_code": owner, "amount": line.amount})
    return stored


async def propose_budget(session: AsyncSession, *, partnership_id: uuid.UUID, body: BudgetIn) -> Outcome:
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        lines = _lines(partnership, body.lines)
        existing = await session.get(Budget, body.id)
        if existing is not None:
            return await _replayed(session, existing, partnership_id, body, lines)
        taken = await session.scalar(
            select(Budget.id).where(
                Budget.partnership_id == partnership_id, Budget.fiscal_period == body.fiscal_period
            )
        )
        if taken is not None:
            raise field_problem(
                "fiscal_period", "period_has_budget", f"Budget {taken} covers this fiscal period: revise it."
            )
        now = datetime.now(UTC)
        budget = Budget(
            id=body.id,
            partnership_id=partnership_id,
            fiscal_period=body.fiscal_period,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            currency=body.currency,
            adopted_version=None,
            handling_code=HANDLING,
            created_at=now,
        )
        session.add(budget)
        await session.flush()
        await _propose(session, partnership, budget, 1, lines, reason=None, decide_by=body.decide_by)
        view = await budget_view(session, budget)
        return Outcome(201, view.model_dump(mode="json"), {"Location": f"/budgets/{budget.id}"})


async def _replayed(
    session: AsyncSession,
    existing: Budget,
    partnership_id: uuid.UUID,
    body: BudgetIn,
    lines: list[dict[str, Any]],
) -> Outcome:
    first = await session.scalar(
        select(BudgetVersion).where(BudgetVersion.budget_id == existing.id, BudgetVersion.number == 1)
    )
    same = (
        existing.partnership_id == partnership_id
        and (existing.fiscal_period, existing.starts_on, existing.ends_on, existing.currency)
        == (body.fiscal_period, body.starts_on, body.ends_on, body.currency)
        and first is not None
        and first.lines == lines
    )
    if not same:
        raise Conflict(f"Budget {body.id} exists with other fields.", code="budget_exists")
    return Outcome(200, (await budget_view(session, existing)).model_dump(mode="json"))


async def propose_revision(session: AsyncSession, *, budget_id: uuid.UUID, body: RevisionIn) -> VersionOut:
    async with session.begin():
        budget = await get_budget(session, budget_id, lock=True)
        partnership = await partnership_of(session, budget.partnership_id)
        if budget.adopted_version is None:
            raise Conflict(
                "Only an adopted budget is revised; the first proposal is pending.", code="not_adopted"
            )
        in_flight = await session.scalar(
            select(BudgetVersion.number).where(
                BudgetVersion.budget_id == budget.id, BudgetVersion.status == "proposed"
            )
        )
        if in_flight is not None:
            raise Conflict(f"Version {in_flight} awaits its decision.", code="revision_pending")
        lines = _lines(partnership, body.lines)
        adopted = await _version(session, budget.id, budget.adopted_version)
        if adopted.lines == lines:
            raise Conflict("The revision changes nothing in the adopted version.", code="revision_unchanged")
        latest = await session.scalar(
            select(BudgetVersion.number)
            .where(BudgetVersion.budget_id == budget.id)
            .order_by(BudgetVersion.number.desc())
            .limit(1)
        )
        version = await _propose(
            session,
            partnership,
            budget,
            (latest or 0) + 1,
            lines,
            reason=body.reason,
            decide_by=body.decide_by,
        )
        return VersionOut.model_validate(version, from_attributes=True)


async def _propose(
    session: AsyncSession,
    partnership: KnownPartnership,
    budget: Budget,
    number: int,
    lines: list[dict[str, Any]],
    *,
    reason: str | None,
    decide_by: datetime,
) -> BudgetVersion:
    now = datetime.now(UTC)
    if decide_by <= now:
        raise field_problem("decide_by", "due_in_past", "decide_by must be in the future.")
    version = BudgetVersion(
        id=uuid.uuid4(),
        budget_id=budget.id,
        partnership_id=budget.partnership_id,
        number=number,
        status="proposed",
        total=sum(line["amount"] for line in lines),
        lines=lines,
        reason=reason,
        decide_by=decide_by,
        proposed_at=now,
    )
    session.add(version)
    await session.flush()
    await add_event(
        session,
        BudgetProposedV1(
            budget_id=str(budget.id),
            version_id=str(version.id),
            version=number,
            partnership_id=str(budget.partnership_id),
            fiscal_period=budget.fiscal_period,
            starts_on=budget.starts_on,
            ends_on=budget.ends_on,
            currency=budget.currency,
            total=version.total,
            lines=[BudgetLineV1.model_validate(line) for line in lines],
            subject=f"{SUBJECT_PREFIX}{version.id}",
            reason=reason,
            decide_by=decide_by,
            proposed_at=now,
        ),
        aggregate_id=str(budget.id),
        source=SOURCE,
        release=release(partnership),
    )
    return version


async def get_budget(session: AsyncSession, budget_id: uuid.UUID, *, lock: bool = False) -> Budget:
    found = await session.get(Budget, budget_id, with_for_update=lock)
    if found is None:
        raise DomainError(f"No budget with id {budget_id}.", status=404, code="budget_not_found")
    return found


async def _version(session: AsyncSession, budget_id: uuid.UUID, number: int) -> BudgetVersion:
    found = await session.scalar(
        select(BudgetVersion).where(BudgetVersion.budget_id == budget_id, BudgetVersion.number == number)
    )
    assert found is not None, f"budget {budget_id} has no version {number}"
    return found


async def adopted_version(session: AsyncSession, budget: Budget) -> BudgetVersion | None:
    return await _version(session, budget.id, budget.adopted_version) if budget.adopted_version else None


async def settle_decision(session: AsyncSession, event: DecisionClosedV1) -> Budget | None:
    """The oversight body decided about a proposed version (consumer of partners.decision_closed.v1); the
    budget when a version was adopted (its contributions are computed next), else None."""
    assert event.subject is not None
    version = await session.scalar(
        select(BudgetVersion)
        .where(BudgetVersion.id == uuid.UUID(event.subject.removeprefix(SUBJECT_PREFIX)))
        .with_for_update()
    )
    if version is None or version.status != "proposed":
        return None  # this decision was applied already
    budget = await get_budget(session, version.budget_id, lock=True)
    partnership = await partnership_of(session, budget.partnership_id)
    version.decision_id, version.outcome = uuid.UUID(event.decision_id), event.outcome
    version.decided_at = event.closed_at
    if event.outcome != "approved":
        version.status = "rejected"
        await session.flush()
        await add_event(
            session,
            BudgetRejectedV1(
                budget_id=str(budget.id),
                version_id=str(version.id),
                version=version.number,
                partnership_id=str(budget.partnership_id),
                outcome=event.outcome,
                decision_id=event.decision_id,
                decided_at=event.closed_at,
            ),
            aggregate_id=str(budget.id),
            source=SOURCE,
            release=release(partnership),
        )
        return None
    previous = budget.adopted_version
    if previous is not None:
        (await _version(session, budget.id, previous)).status = "superseded"
    version.status, budget.adopted_version = "adopted", version.number
    await session.flush()
    common: dict[str, Any] = {
        "budget_id": str(budget.id),
        "version_id": str(version.id),
        "version": version.number,
        "partnership_id": str(budget.partnership_id),
        "fiscal_period": budget.fiscal_period,
        "currency": budget.currency,
        "total": version.total,
        "lines": [BudgetLineV1.model_validate(line) for line in version.lines],
        "decision_id": event.decision_id,
        "adopted_at": event.closed_at,
    }
    announcement = (
        BudgetRevisedV1(**common, previous_version=previous, reason=version.reason or "")
        if previous is not None
        else BudgetAdoptedV1(**common)
    )
    await add_event(
        session, announcement, aggregate_id=str(budget.id), source=SOURCE, release=release(partnership)
    )
    return budget
