"""The public report's document (its JSON form; the printable page renders the same)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class MeasuredOut(BaseModel):
    country_code: str
    value: Decimal
    period_start: date
    period_end: date
    target_met: bool


class PublicIndicatorOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    baseline: Decimal
    target: Decimal
    measurements: list[MeasuredOut] = Field(description="Each country's latest measurement in the period")
    target_met_by: list[str] = Field(description="Countries whose latest measurement meets the target")


class OutcomeRowOut(BaseModel):
    country_code: str | None = Field(description="None: the totals")
    assessed: int
    passed: int
    pass_rate: Decimal = Field(description="Passed / assessed, to 3 places")


class CompetencyOutcomesOut(BaseModel):
    competency: str
    rows: list[OutcomeRowOut] = Field(
        description="The countries with groups large enough to show, then the totals when they give nothing away"
    )
    suppressed_countries: int = Field(description="How many countries' groups were too small to show")
    totals_suppressed: bool


class RevisionsOut(BaseModel):
    raised: int
    accepted: int
    declined: int


class ReportOut(BaseModel):
    partnership_id: uuid.UUID
    partnership: str
    members: list[str]
    level: str = Field(description="`partnership` (headquarters) or a member country's code (local level)")
    period: str
    period_start: date
    period_end: date
    generated_at: datetime
    indicators: list[PublicIndicatorOut] = Field(description="Only the indicators coded `public`")
    outcomes: list[CompetencyOutcomesOut] = Field(
        description="Assessment outcomes per competency, groups of fewer than the minimum suppressed"
    )
    curriculum_revisions: RevisionsOut = Field(description="Findings raised in the period and their outcome")
