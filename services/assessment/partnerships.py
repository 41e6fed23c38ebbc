"""The partnership an assessment record belongs to (from the read model), and to whom its events go."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backbone.errors import DomainError
from rules.releasability import Release
from services.assessment.models import KnownPartnership

HANDLING = "partnership"
"""Rubrics are the partnership's business: its members see all of them."""


async def partnership_of(session: AsyncSession, partnership_id: uuid.UUID) -> KnownPartnership:
    found = await session.get(KnownPartnership, partnership_id)
    if found is None:
        raise DomainError(
            f"No partnership with id {partnership_id}.", status=404, code="partnership_not_found"
        )
    return found


def release(partnership: KnownPartnership) -> Release:
    return Release.of(
        HANDLING, originator=partnership.lead_country_code, partnership_countries=partnership.member_countries
    )


def personal_release(partnership: KnownPartnership, *countries: str) -> Release:
    """About one trainee: the lead and the countries named (the trainee's, the assessor's)."""
    audience = sorted({partnership.lead_country_code, *countries})
    return Release.of(f"countries:{','.join(audience)}", originator=partnership.lead_country_code)
