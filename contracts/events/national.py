"""Events national systems write to the backbone, each on its own inbound topic `inbound.<cc>.<subscriberId>.v1`
(its Kafka user alone may write it; the platform knows the sender and its country from the topic, never from the
event). Aggregates only, never case data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import NationalInboundEvent


class IndicatorMeasurementReportedV1(NationalInboundEvent):
    """A national system reports its country's aggregate for one of a partnership's indicators (by code) over an
    ended period. The assessment service stores it with its source, as the API does, and announces it
    (`assessment.indicator_measured.v1`); one it cannot accept goes to its dead-letter topic with the reason."""

    event_type: ClassVar[str] = "national.indicator_measurement_reported.v1"
    aggregate: ClassVar[str] = "indicator"

    measurement_id: str = Field(
        pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="A UUID the national system chooses: reporting it again changes nothing",
    )
    partnership_id: str
    indicator: str = Field(pattern="^[a-z][a-z0-9_.:-]*$", max_length=100, description="The indicator's code")
    value: Decimal = Field(ge=Decimal("-1e12"), le=Decimal("1e12"), max_digits=18, decimal_places=4)
    period_start: date
    period_end: date
    source: str = Field(
        min_length=1, max_length=300, description="The national system and dataset it comes from"
    )
