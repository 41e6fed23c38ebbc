"""API models of capacity profiles."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

from rules.releasability import HandlingCodeText


class CapacityProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    competency: str = Field(
        pattern="^[a-z][a-z0-9_]{2,99}$", examples=["cyber_forensics", "chain_of_custody"]
    )
    current_level: int = Field(ge=0, le=5)
    target_level: int = Field(ge=0, le=5)
    note: str | None = Field(default=None, max_length=4000)
    handling_code: HandlingCodeText = Field(
        default="partnership",
        description="Who may see it: by default the countries the agency shares a partnership with",
    )


class CapacityProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    competency: str
    current_level: int
    target_level: int
    note: str | None
    recorded_at: datetime
    handling_code: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def gap(self) -> int:
        return max(self.target_level - self.current_level, 0)
