"""API models of the training service."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class KnownAgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agency_id: uuid.UUID
    country_code: str
    country_name: str
    name: str
    agency_type: str
    is_national_coordination_unit: bool
    status: str
    registered_at: datetime
    updated_at: datetime
    version: int
