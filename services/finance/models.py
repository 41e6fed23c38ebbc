"""Tables of the finance service (budgets and the ledger arrive in a later issue)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from backbone.db import Base


class FinanceBase(Base):
    __abstract__ = True


class FacilityUsage(FinanceBase):
    """How a shared facility was used (from training's events): what finance charges to the shared budget.
    One row per booking, however often its event is delivered."""

    __tablename__ = "facility_usage"

    booking_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    owner_country_code: Mapped[str] = mapped_column(String(2))
    booked_by_country_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    attendees: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
