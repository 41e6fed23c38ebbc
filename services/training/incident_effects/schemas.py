"""API models of what incidents and drills asked of training (revision requests)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RevisionRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    finding_id: uuid.UUID
    drill_id: uuid.UUID
    partnership_id: uuid.UUID
    request: str
    curriculum_id: uuid.UUID | None
    competency: str | None
    countries: list[str]
    summary: str
    rating: str
    status: str
    requested_at: datetime
