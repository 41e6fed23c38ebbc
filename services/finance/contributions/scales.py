"""The contribution scale that splits a shared cost: the latest computed for the adopted budget covering the day,
and each member's part of an amount by it."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.finance import ContributionShareV1
from rules.contribution_scale import shown
from services.finance.models import Budget, ContributionScale
from services.finance.spending.rules import split_by_scale


async def scale_in_force(
    session: AsyncSession, partnership_id: uuid.UUID, day: date
) -> ContributionScale | None:
    return await session.scalar(
        select(ContributionScale)
        .join(Budget, Budget.id == ContributionScale.budget_id)
        .where(
            Budget.partnership_id == partnership_id,
            Budget.adopted_version.is_not(None),
            Budget.starts_on <= day,
            Budget.ends_on >= day,
        )
        .order_by(ContributionScale.sequence.desc())
        .limit(1)
    )


def shares_of(amount: int, scale: ContributionScale) -> list[ContributionShareV1]:
    """Each member's part of `amount` in proportion to its assessed contribution, adding up to `amount`."""
    return [
        ContributionShareV1(country_code=country, share=shown(share), amount=part)
        for country, (share, part) in split_by_scale(amount, scale.amounts).items()
    ]
