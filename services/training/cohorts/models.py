"""Seat commitments as training knows them (from partners' events): what shares a cohort's seats."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.training.models import TrainingBase


class KnownCommitment(TrainingBase):
    """Read model of the partners service's commitments: seats pledged decide how cohorts are shared."""

    __tablename__ = "known_commitments"

    commitment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    partnership_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    country_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    lapsed: Mapped[bool] = mapped_column(Boolean, default=False)
    renewal_applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When its concluded renewal's effects on cohorts were applied (once)."""
