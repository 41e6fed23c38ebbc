"""Events published by the assessment service on `assessment.events.v1`.

Contracted ahead of the service's domain (issue 16) because finance acts on it: a results-gated funding tranche
is released when a measurement of its indicator meets its target.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import AssessmentEvent


class IndicatorMeasuredV1(AssessmentEvent):
    """An indicator of a partnership's results framework was measured (by an evaluator, for a period)."""

    event_type: ClassVar[str] = "assessment.indicator_measured.v1"
    aggregate: ClassVar[str] = "partnership"

    measurement_id: str = Field(description="Unique per measurement: a redelivery carries the same id")
    partnership_id: str
    indicator: str = Field(
        pattern="^[a-z][a-z0-9_.:-]*$",
        max_length=100,
        description="The indicator's code in the partnership's results framework, e.g. `share_of_officers_certified`",
    )
    value: Decimal = Field(description="The measured value, in the indicator's unit")
    unit: str = Field(max_length=40, description="e.g. `ratio`, `hours`, `officers`")
    period_start: date
    period_end: date
    evaluator: str | None = Field(
        default=None, max_length=200, description="Who measured it (an external evaluator)"
    )
    measured_at: datetime
