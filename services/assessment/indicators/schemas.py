"""API models of indicators and measurements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from backbone.schemas import Strict
from services.assessment.indicators.rules import Direction

Amount = Field(ge=Decimal("-1e12"), le=Decimal("1e12"), max_digits=18, decimal_places=4)


class IndicatorIn(Strict):
    id: uuid.UUID
    code: str = Field(min_length=1, max_length=100, pattern="^[a-z][a-z0-9_.:-]*$")
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=40, description="e.g. `ratio`, `days`, `investigations`")
    direction: Direction = Field(description="Which way is better: `increase` (arrests) or `decrease` (days)")
    baseline: Decimal = Amount
    target: Decimal = Amount
    handling_code: Literal["partnership", "public"] = Field(
        default="partnership",
        description="`public`: the indicator and its measurements appear in the partnership's public reports",
    )


class MeasurementIn(Strict):
    """An aggregate for a period (a count, a rate, a median): never case data."""

    id: uuid.UUID = Field(description="Client-chosen: reporting it again changes nothing")
    value: Decimal = Amount
    period_start: date
    period_end: date
    source: str = Field(
        min_length=1, max_length=300, description="The national system and dataset it comes from"
    )

    @model_validator(mode="after")
    def _period(self) -> MeasurementIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end: the period ends after it starts")
        return self


class MeasurementOut(BaseModel):
    id: uuid.UUID
    indicator_id: uuid.UUID
    country_code: str
    value: Decimal
    period_start: date
    period_end: date
    source: str
    measured_at: datetime
    target_met: bool


class IndicatorOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    code: str
    name: str
    unit: str
    direction: Direction
    baseline: Decimal
    target: Decimal
    handling_code: str
    latest: MeasurementOut | None = Field(description="The latest measurement reported")
    progress: Decimal | None = Field(description="From the baseline to the target, 1 = the target (latest)")
