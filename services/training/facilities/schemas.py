"""API models of facilities and their bookings."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.events.training import FacilityKind

Country = Field(pattern="^[A-Z]{2}$")


class FacilityIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "owner_agency_id": "0b9f7c8e-2f7a-4a53-9a4c-6c1f2d9e8a11",
                    "name": "Dakar cyber forensics lab",
                    "kind": "virtual_lab",
                    "location": "Dakar, Senegal",
                    "capacity": 24,
                    "time_zone": "Africa/Dakar",
                    "shared_with": ["FR", "CI"],
                }
            ]
        },
    )

    owner_agency_id: uuid.UUID = Field(description="The agency that owns it (of the caller's country)")
    name: str = Field(min_length=2, max_length=200)
    kind: FacilityKind
    location: str = Field(min_length=2, max_length=300)
    capacity: int = Field(ge=1, le=10_000)
    time_zone: str = Field(max_length=60, description="IANA time zone of the site, e.g. Africa/Dakar")
    shared_with: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Countries (ISO 3166-1 alpha-2) that may see and book it",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not an IANA time zone") from exc
        return value

    @field_validator("shared_with")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        codes = [code.strip().upper() for code in value]
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            raise ValueError("countries are ISO 3166-1 alpha-2 codes")
        return sorted(set(codes))


class FacilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_agency_id: uuid.UUID
    owner_country_code: str
    name: str
    kind: FacilityKind
    location: str
    capacity: int
    time_zone: str
    shared_with: list[str]
    registered_at: datetime


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agency_id: uuid.UUID = Field(description="The agency booking it (the caller's)")
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="Exclusive: a booking may start when another ends")
    purpose: str = Field(min_length=2, max_length=300)
    cohort_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BookingIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class BookingOut(BaseModel):
    id: uuid.UUID
    facility_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    purpose: str
    cohort_id: uuid.UUID | None
    booked_by_agency_id: uuid.UUID
    booked_by_country_code: str
    status: str
    booked_at: datetime
    cancelled_at: datetime | None
    used_hours: Decimal | None
    attendees: int | None


class UsageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: Decimal = Field(gt=0, le=10_000, max_digits=8, decimal_places=2)
    attendees: int = Field(ge=0, le=100_000)
