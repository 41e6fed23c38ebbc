"""API models of facility usage as finance sees it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class UsageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    booking_id: uuid.UUID
    facility_id: uuid.UUID
    owner_country_code: str
    booked_by_country_code: str
    kind: str
    hours: Decimal
    attendees: int
    recorded_at: datetime


class KindHours(BaseModel):
    kind: str
    hours: Decimal
    bookings: int


class SummaryOut(BaseModel):
    country_code: str
    hosted: list[KindHours]
    """Hours others (and the country itself) used its facilities."""
    used: list[KindHours]
    """Hours the country used facilities, its own or shared with it."""
