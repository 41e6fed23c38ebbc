"""API models of spending: the rate card, facility charges and where partners stand, stipends, allowances."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from backbone.schemas import Strict
from contracts.envelope import CountryCode
from contracts.events.training import FacilityKind
from rules.currencies import Currency
from services.finance.ledger.schemas import MAX_AMOUNT


class FacilityRateIn(Strict):
    kind: FacilityKind
    host_country_code: CountryCode | None = Field(
        default=None, description="This host's rate; null: the kind's rate at any host the card does not name"
    )
    per_hour: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units of the card's currency per hour")


class StipendRateIn(Strict):
    role: Literal["lead", "co"]
    per_day: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units of the card's currency per day")


class AllowanceRateIn(Strict):
    venue_country_code: CountryCode | None = Field(
        default=None, description="Cohorts met in this country; null: any venue the card does not name"
    )
    travel_per_trip: int = Field(ge=0, le=MAX_AMOUNT, description="One return trip, minor units")
    subsistence_per_day: int = Field(ge=0, le=MAX_AMOUNT, description="Per diem, minor units")

    @model_validator(mode="after")
    def _pays_something(self) -> AllowanceRateIn:
        if self.travel_per_trip + self.subsistence_per_day == 0:
            raise ValueError("an allowance rate pays a trip, a per diem or both")
        return self


class RateCardIn(Strict):
    currency: Currency
    facility_rates: list[FacilityRateIn] = Field(default_factory=list, max_length=200)
    stipend_rates: list[StipendRateIn] = Field(default_factory=list, max_length=10)
    allowance_rates: list[AllowanceRateIn] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _one_rate_each(self) -> RateCardIn:
        facilities = [(r.kind, r.host_country_code) for r in self.facility_rates]
        if len(set(facilities)) != len(facilities):
            raise ValueError("facility_rates: one rate per kind and host")
        roles = [r.role for r in self.stipend_rates]
        if len(set(roles)) != len(roles):
            raise ValueError("stipend_rates: one rate per role")
        venues = [r.venue_country_code for r in self.allowance_rates]
        if len(set(venues)) != len(venues):
            raise ValueError("allowance_rates: one rate per venue country")
        return self


class RateCardOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    version: int
    currency: str
    facility_rates: list[FacilityRateIn]
    stipend_rates: list[StipendRateIn]
    allowance_rates: list[AllowanceRateIn]
    valid_from: datetime
    priced: int = Field(
        default=0, description="Charges and stipends waiting for a rate that this card priced"
    )


class FacilityChargeOut(BaseModel):
    booking_id: uuid.UUID
    partnership_id: uuid.UUID
    cohort_id: uuid.UUID | None
    facility_id: uuid.UUID
    kind: str
    host_country_code: str
    user_country_code: str
    hours: Decimal
    used_at: datetime
    per_hour: int | None
    currency: str | None
    amount: int | None
    status: Literal["unpriced", "accrued", "settled"]
    settlement_id: uuid.UUID | None
    transfer_id: uuid.UUID | None


class PositionOut(BaseModel):
    country_code: str
    used: int = Field(description="Its cohorts' use of other partners' facilities (minor units)")
    hosted: int = Field(description="Other partners' use of its facilities")
    net: int = Field(description="hosted - used: positive, the partnership owes it facility time")


class ReciprocityOut(BaseModel):
    partnership_id: uuid.UUID
    currency: str | None
    positions: list[PositionOut]
    unpriced: int = Field(description="Uses waiting for a rate (not counted)")


class StipendOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    cohort_id: uuid.UUID
    assignment_id: uuid.UUID
    instructor_country_code: str
    role: str
    days: int
    per_day: int | None
    currency: str | None
    amount: int | None
    status: Literal["unpriced", "payable", "paid"]
    transfer_id: uuid.UUID | None
    delivered_at: datetime
    paid_at: datetime | None


class AllowanceOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    cohort_id: uuid.UUID
    nomination_id: uuid.UUID
    trainee_country_code: str
    venue_country_code: str
    days: int
    travel: int | None
    subsistence: int | None
    currency: str | None
    amount: int | None
    status: Literal["unpriced", "payable", "paid"]
    transfer_id: uuid.UUID | None
    attended_at: datetime
    paid_at: datetime | None


class PlatformIn(Strict):
    id: uuid.UUID = Field(description="Chosen by the client: the same subscription again changes nothing")
    name: str = Field(min_length=2, max_length=200, examples=["Moodle for the cyber forensics course"])
    vendor: str = Field(min_length=2, max_length=200)
    currency: Currency
    amount_per_period: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units per period")
    period_months: Literal[1, 3, 6, 12]
    starts_on: date
    ends_on: date | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PlatformIn:
        if self.ends_on is not None and self.ends_on <= self.starts_on:
            raise ValueError("ends_on: after starts_on")
        return self


class PlatformEndIn(Strict):
    ends_on: date = Field(
        description="No period starts on or after it; a period already charged stays charged"
    )


class PlatformOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    name: str
    vendor: str
    currency: str
    amount_per_period: int
    period_months: int
    starts_on: date
    ends_on: date | None
    created_at: datetime


class PlatformShareOut(BaseModel):
    country_code: str
    share: str = Field(description="Its share of the scale's assessed contributions, to 8 places")
    amount: int


class PlatformChargeOut(BaseModel):
    id: uuid.UUID
    platform_id: uuid.UUID
    period_start: date
    period_end: date
    amount: int
    currency: str
    scale_id: uuid.UUID = Field(
        description="The contribution scale the split follows (GET /budgets/{id}/contributions)"
    )
    shares: list[PlatformShareOut]
    transfer_id: uuid.UUID
    charged_at: datetime
