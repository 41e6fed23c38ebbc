"""The partnership a finance record belongs to (finance's read model), and to whom its events are released."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.finance.models import KnownPartnership
from services.kernel.partnership_members import members_release as release
from services.kernel.partnership_members import partnership_of as _partnership_of
from services.kernel.partnership_members import personal_release

__all__ = ["HANDLING", "partnership_of", "personal_release", "release"]

HANDLING = "partnership"
"""Budgets, ledgers and contributions are the partnership's business: its members see all of them."""


async def partnership_of(session: AsyncSession, partnership_id: uuid.UUID) -> KnownPartnership:
    return await _partnership_of(session, KnownPartnership, partnership_id)
