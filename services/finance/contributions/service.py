"""The contribution scale of a partnership's budgets: the lead sets its basis (capacity indicators, floor,
ceiling, minimum); every adopted budget's contributions are computed from it, and computed again when the budget
is revised, the basis changes or the membership changes. Each computation is kept with its inputs and steps."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError, field_problem
from backbone.outbox import add_event
from contracts.events.finance import ContributionScaleComputedV1, ContributionShareV1
from rules import contribution_scale
from services.finance import SOURCE
from services.finance.budgets.service import get_budget
from services.finance.contributions import schedules
from services.finance.contributions.schemas import BasisIn, BasisOut, ScaleOut, StepOut
from services.finance.models import (
    Budget,
    BudgetVersion,
    ContributionBasis,
    ContributionScale,
    KnownPartnership,
)
from services.finance.partnerships import partnership_of, release

log = logging.getLogger(__name__)
BASIS_CHANGED = "basis_changed"
MEMBERSHIP_CHANGED = "membership_changed"


def basis_view(basis: ContributionBasis) -> BasisOut:
    return BasisOut.model_validate(basis, from_attributes=True)


async def set_basis(session: AsyncSession, *, partnership_id: uuid.UUID, body: BasisIn) -> BasisOut:
    """The lead's basis; every budget still running is assessed again on it (refused, naming the input at
    fault, when one of them cannot be)."""
    async with session.begin():
        partnership = await partnership_of(session, partnership_id)
        missing = sorted(set(partnership.member_countries) - set(body.indicators))
        if missing:
            raise field_problem(
                f"indicators.{missing[0]}",
                "indicator_missing",
                f"No indicator for member(s) {', '.join(missing)}.",
            )
        basis = await session.get(ContributionBasis, partnership_id, with_for_update=True)
        values: dict[str, Any] = {
            "indicator": body.indicator,
            "source": body.source,
            "indicators": {country: str(value) for country, value in sorted(body.indicators.items())},
            "floor": body.floor,
            "ceiling": body.ceiling,
            "minimum_amount": body.minimum_amount,
            "installments": body.installments,
            "updated_at": datetime.now(UTC),
        }
        if basis is None:
            basis = ContributionBasis(partnership_id=partnership_id, **values)
            session.add(basis)
        else:
            for name, value in values.items():
                setattr(basis, name, value)
        await session.flush()
        try:
            await reassess(session, partnership, reason=BASIS_CHANGED)
        except contribution_scale.ScaleInfeasible as exc:
            raise field_problem(exc.field, "scale_infeasible", str(exc)) from exc
        return basis_view(basis)


async def get_basis(session: AsyncSession, *, partnership_id: uuid.UUID) -> BasisOut:
    async with session.begin():
        await partnership_of(session, partnership_id)
        basis = await session.get(ContributionBasis, partnership_id)
        if basis is None:
            raise DomainError(
                "The lead has not set the partnership's contribution basis yet.",
                status=404,
                code="basis_not_set",
            )
        return basis_view(basis)


async def reassess(session: AsyncSession, partnership: KnownPartnership, *, reason: str) -> int:
    """Compute the contributions of every adopted budget whose period has not ended; how many were."""
    budgets = (
        await session.scalars(
            select(Budget)
            .where(
                Budget.partnership_id == partnership.partnership_id,
                Budget.adopted_version.is_not(None),
                Budget.ends_on >= date.today(),
            )
            .order_by(Budget.starts_on)
            .with_for_update()
        )
    ).all()
    for budget in budgets:
        await assess(session, partnership, budget, reason=reason)
    return len(budgets)


async def assess(
    session: AsyncSession, partnership: KnownPartnership, budget: Budget, *, reason: str
) -> ContributionScale | None:
    """The adopted version's contributions on the current basis (None without a basis: the lead sets one)."""
    basis = await session.get(ContributionBasis, partnership.partnership_id)
    if basis is None or budget.adopted_version is None:
        return None
    version = await session.scalar(
        select(BudgetVersion).where(
            BudgetVersion.budget_id == budget.id, BudgetVersion.number == budget.adopted_version
        )
    )
    assert version is not None
    assessed = {
        country: Decimal(value)
        for country, value in basis.indicators.items()
        if country in partnership.member_countries
    }
    computed = contribution_scale.compute(
        indicators=assessed,
        total=version.total,
        floor=basis.floor,
        ceiling=basis.ceiling,
        minimum_amount=basis.minimum_amount,
    )
    now = datetime.now(UTC)
    scale = ContributionScale(
        id=uuid.uuid4(),
        budget_id=budget.id,
        partnership_id=budget.partnership_id,
        budget_version=version.number,
        reason=reason,
        inputs={
            "indicator": basis.indicator,
            "source": basis.source,
            "indicators": {country: str(value) for country, value in sorted(assessed.items())},
            "unassessed_members": sorted(set(partnership.member_countries) - set(assessed)),
            "floor": str(basis.floor),
            "ceiling": str(basis.ceiling),
            "minimum_amount": basis.minimum_amount,
            "total": version.total,
            "currency": budget.currency,
            "basis_updated_at": basis.updated_at.isoformat(),
        },
        steps=[
            {"name": step.name, "explanation": step.explanation, "shares": step.shown()}
            for step in computed.steps
        ],
        amounts=computed.amounts,
        computed_at=now,
    )
    session.add(scale)
    await session.flush()
    await schedules.schedule_assessed(session, partnership, budget, scale, basis)
    await add_event(
        session,
        ContributionScaleComputedV1(
            scale_id=str(scale.id),
            budget_id=str(budget.id),
            budget_version=version.number,
            partnership_id=str(budget.partnership_id),
            currency=budget.currency,
            total=version.total,
            reason=reason,
            shares=[
                ContributionShareV1(
                    country_code=country,
                    share=contribution_scale.shown(share),
                    amount=computed.amounts[country],
                )
                for country, share in computed.shares.items()
            ],
            computed_at=now,
        ),
        aggregate_id=str(budget.id),
        source=SOURCE,
        release=release(partnership),
    )
    return scale


async def assess_adopted(session: AsyncSession, budget: Budget, *, reason: str) -> None:
    """In the consumer: an adopted (or revised) budget is assessed; inputs the scale cannot satisfy leave the
    budget unassessed (logged; the lead corrects the basis, which assesses it again)."""
    partnership = await partnership_of(session, budget.partnership_id)
    try:
        await assess(session, partnership, budget, reason=reason)
    except contribution_scale.ScaleInfeasible as exc:
        log.warning("budget %s not assessed: %s", budget.id, exc)


async def current_scale(session: AsyncSession, *, budget_id: uuid.UUID) -> ScaleOut:
    async with session.begin():
        budget = await get_budget(session, budget_id)
        scale = await session.scalar(
            select(ContributionScale)
            .where(ContributionScale.budget_id == budget_id)
            .order_by(ContributionScale.sequence.desc())
            .limit(1)
        )
        if scale is None:
            raise DomainError(
                "No contributions computed yet: the budget is adopted and the basis set first.",
                status=404,
                code="scale_not_computed",
            )
        basis = await session.get(ContributionBasis, budget.partnership_id)
        current = (
            scale.budget_version == budget.adopted_version
            and basis is not None
            and scale.inputs.get("basis_updated_at") == basis.updated_at.isoformat()
        )
        return ScaleOut(
            id=scale.id,
            budget_id=scale.budget_id,
            budget_version=scale.budget_version,
            current=current,
            reason=scale.reason,
            inputs=scale.inputs,
            steps=[StepOut.model_validate(step) for step in scale.steps],
            amounts=scale.amounts,
            computed_at=scale.computed_at,
        )
