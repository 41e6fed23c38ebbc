"""API models of the public summary (handling code `public`: figures of countries, none of persons)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.finance.transparency.rules import MIN_GROUP


class PeriodSummary(BaseModel):
    fiscal_period: str
    starts_on: date
    ends_on: date
    currency: str
    budget: dict[str, int] = Field(description="The adopted version, per category (minor units)")
    budget_total: int
    actual: dict[str, int | None] = Field(
        description=f"Spent per category in the period; null when fewer than {MIN_GROUP} transfers make it"
    )
    actual_total: int | None = Field(
        description="null when it would reveal the withheld categories by difference"
    )
    withheld: list[str]


class ContributionSummary(BaseModel):
    country_code: str
    currency: str
    due: int
    paid: int


class PublicSummaryOut(BaseModel):
    partnership_id: uuid.UUID
    name: str
    lead_country_code: str
    member_countries: list[str]
    handling_code: Literal["public"] = "public"
    periods: list[PeriodSummary]
    contributions: list[ContributionSummary]
    as_of: datetime
