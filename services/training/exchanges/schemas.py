"""API models of exchange visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.events.training import ExchangeKind


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partnership_id: uuid.UUID
    officer_id: str = Field(min_length=1, max_length=100)
    officer_agency_id: uuid.UUID = Field(description="The sending agency (the caller's country)")
    host_agency_id: uuid.UUID = Field(description="The hosting agency, of another country")
    kind: ExchangeKind
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ordered(self) -> ExchangeIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if (self.ends_on - self.starts_on).days >= 3660:
            raise ValueError("an exchange lasts less than ten years")
        return self


class ExchangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    officer_id: str
    officer_agency_id: uuid.UUID
    officer_country_code: str
    host_agency_id: uuid.UUID
    host_country_code: str
    kind: ExchangeKind
    starts_on: date
    ends_on: date
    status: str
    completed_at: datetime | None
