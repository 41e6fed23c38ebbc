"""API models of commitments and their renewal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from contracts.events.commitments import CommitmentKind
from workflows.commitment_renewal.shared import (
    CommitmentRenewalStatus,
    Outcome,
    RenewalResponse,
    RenewalTimers,
    expiry_of,
)

CommitmentStatus = Literal["active", "renewal_pending", "renewed", "renegotiated", "lapsed"]
UNITS = {"money": "currency", "instructors": "instructor_days", "facility_time": "hours", "seats": "seats"}


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_id: uuid.UUID = Field(description="The member agency making the pledge")
    kind: CommitmentKind
    amount: Decimal = Field(
        gt=0,
        max_digits=18,
        decimal_places=2,
        description="Money in `currency`; instructor-days; facility hours; or seats",
        examples=["250000.00"],
    )
    currency: str | None = Field(
        default=None, pattern="^[A-Z]{3}$", description="ISO 4217, for money only", examples=["EUR"]
    )
    priorities: str | None = Field(default=None, max_length=4000)
    starts_on: date
    ends_on: date = Field(description="Last day of the commitment")
    signed_by: str = Field(
        min_length=1, max_length=200, description="Who signed for the country's national coordination unit"
    )
    renewal_timers: RenewalTimers = Field(default_factory=RenewalTimers)

    @model_validator(mode="after")
    def _consistent(self) -> CommitmentIn:
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")
        if (self.kind == "money") != (self.currency is not None):
            raise ValueError("currency is required for money and only for money")
        return self


class CommitmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partnership_id: uuid.UUID
    agency_id: uuid.UUID
    country_code: str
    kind: str
    amount: Decimal
    currency: str | None
    priorities: str | None
    starts_on: date
    ends_on: date
    status: CommitmentStatus
    signed_by: str
    renews_id: uuid.UUID | None
    renewed_by_id: uuid.UUID | None = Field(default=None, description="The successor, once renewed")
    renewal_timers: RenewalTimers
    registered_at: datetime
    renewal_requested_at: datetime | None
    concluded_at: datetime | None
    conclusion_reason: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str:
        return self.currency if self.kind == "money" and self.currency else UNITS[self.kind]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expires_at(self) -> datetime:
        return expiry_of(self.ends_on)


class RenewalRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_at: datetime


class RenewalNoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["reminder", "escalation"] = Field(
        description="`reminder`: the partner; `escalation`: the partnership's oversight body"
    )


class RenewalNoticeOut(BaseModel):
    commitment_id: uuid.UUID
    kind: str
    agency_id: uuid.UUID
    oversight_member_ids: list[uuid.UUID]


class RenewalConclusionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    response: RenewalResponse | None = None

    @model_validator(mode="after")
    def _answered(self) -> RenewalConclusionIn:
        if self.outcome != "lapsed" and self.response is None:
            raise ValueError("a renewed or renegotiated commitment needs the partner's response")
        return self


class RenewalOut(BaseModel):
    workflow_id: str
    status: CommitmentRenewalStatus
