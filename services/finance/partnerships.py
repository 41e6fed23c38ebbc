"""The partnership a finance record belongs to (from the read model), and to whom its events are released."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from rules.releasability import Release
from services.finance.models import KnownPartnership

HANDLING = "partnership"
"""Budgets, ledgers and contributions are the partnership's business: its members see all of them."""


async def partnership_of(session: AsyncSession, partnership_id: uuid.UUID) -> KnownPartnership:
    found = await session.get(KnownPartnership, partnership_id)
    if found is None:
        raise DomainError(
            f"No partnership with id {partnership_id}.", status=404, code="partnership_not_found"
        )
    return found


def release(partnership: KnownPartnership, *also: str) -> Release:
    """The partnership's records go to its members; the lead keeps them. `also`: countries a record is about
    that may have left since (a former member's arrears are still its business)."""
    countries = [*partnership.member_countries, *(c for c in also if c not in partnership.member_countries)]
    return Release.of(HANDLING, originator=partnership.lead_country_code, partnership_countries=countries)
