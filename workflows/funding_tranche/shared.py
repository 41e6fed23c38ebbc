"""Inputs, outputs and rules of FundingTrancheWorkflow (shared by the workflow, its activities and finance)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

State = Literal["reserving", "reserved", "released", "voided"]
Comparison = Literal["at_least", "at_most"]


def funding_tranche_workflow_id(tranche_id: str) -> str:
    return f"funding-tranche-{tranche_id}"


def meets(value: Decimal, *, target: Decimal, comparison: Comparison) -> bool:
    """Whether a measurement reaches the tranche's target (a rate to raise, or a delay to bring down)."""
    return value >= target if comparison == "at_least" else value <= target


class TrancheInput(BaseModel):
    tranche_id: str
    partnership_id: str
    indicator: str = Field(description="The indicator whose measurement releases the tranche")
    target: Decimal
    comparison: Comparison
    deadline: datetime


class Measurement(BaseModel):
    """An indicator measured (from `assessment.indicator_measured.v1`, signalled by finance's consumer)."""

    measurement_id: str
    indicator: str
    value: Decimal
    measured_at: datetime


class ExtensionAsked(BaseModel):
    """The lead asked the oversight body for a later deadline; the tranche waits for the answer until then."""

    extension_id: str
    deadline: datetime
    decide_by: datetime


class ExtensionDecided(BaseModel):
    extension_id: str
    granted: bool


class TrancheCall(BaseModel):
    """An activity's request to finance: reserve, release (with the measurement that met the target) or void."""

    tranche_id: str
    idempotency_key: str
    measurement: Measurement | None = None


class TrancheStatus(BaseModel):
    tranche_id: str
    state: State
    deadline: datetime
    measurements: int = Field(description="Measurements of the indicator received")
    released_by: Measurement | None
    extension_pending: ExtensionAsked | None
    extensions_granted: int
