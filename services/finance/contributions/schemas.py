"""API models of contributions: the basis a partnership's scale is computed from, and each computation shown
step by step so that a partner can check its share."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from backbone.schemas import Strict
from rules.currencies import Currency
from services.finance.budgets.schemas import PlanDate
from services.finance.ledger.schemas import MAX_AMOUNT


class BasisIn(Strict):
    indicator: str = Field(
        min_length=3, max_length=200, examples=["GNI share 2025"], description="What the indicator measures"
    )
    source: str = Field(
        min_length=3, max_length=300, examples=["World Bank WDI, NY.GNP.ATLS.CD, 2026-07 release"]
    )
    indicators: dict[str, Decimal] = Field(
        min_length=1,
        max_length=250,
        description="Country code → the partner's capacity indicator (> 0). Countries that may join later can "
        "be listed: only members are assessed",
    )
    floor: Decimal = Field(
        ge=0, le=1, max_digits=9, decimal_places=8, description="Lowest share (0.001 = 0.1%)"
    )
    ceiling: Decimal = Field(gt=0, le=1, max_digits=9, decimal_places=8, description="Highest share")
    minimum_amount: int = Field(default=0, ge=0, le=MAX_AMOUNT, description="Lowest amount, in minor units")
    installments: int = Field(default=4, ge=1, le=12, description="Equal instalments over the fiscal period")

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        cleaned: dict[str, Decimal] = {}
        for country, measure in value.items():
            code = country.strip().upper()
            if len(code) != 2 or not code.isalpha() or not code.isascii():
                raise ValueError(f"{country!r} is not a two-letter country code")
            if not measure.is_finite() or measure <= 0 or measure > Decimal("1e15"):
                raise ValueError(f"{code}: an indicator is a positive number up to 1e15")
            if code in cleaned:
                raise ValueError(f"{code} is listed twice")
            cleaned[code] = measure
        return cleaned

    @model_validator(mode="after")
    def _bounds(self) -> BasisIn:
        if self.floor > self.ceiling:
            raise ValueError("floor: the floor is at most the ceiling")
        return self


class BasisOut(BaseModel):
    partnership_id: uuid.UUID
    indicator: str
    source: str
    indicators: dict[str, str]
    floor: Decimal
    ceiling: Decimal
    minimum_amount: int
    installments: int
    updated_at: datetime


class StepOut(BaseModel):
    name: str
    explanation: str
    shares: dict[str, str] = Field(description="Country code → share after this step (8 decimals shown)")


class ScaleOut(BaseModel):
    id: uuid.UUID
    budget_id: uuid.UUID
    budget_version: int
    current: bool = Field(description="Computed for the adopted version and the basis as they are now")
    reason: str
    inputs: dict[str, object] = Field(
        description="What it was computed from: the basis, the members assessed, the total"
    )
    steps: list[StepOut]
    amounts: dict[str, int] = Field(description="Country code → amount in minor units (adds up to the total)")
    computed_at: datetime


class DueOut(BaseModel):
    id: uuid.UUID
    partnership_id: uuid.UUID
    country_code: str
    kind: Literal["assessed", "pledge"]
    budget_id: uuid.UUID | None
    commitment_id: uuid.UUID | None
    number: int
    due_on: date
    currency: str
    amount: int
    paid: int
    outstanding: int
    overdue: bool
    status: Literal["open", "paid", "superseded", "cancelled"]
    closed_reason: str | None
    created_at: datetime


class PaymentIn(Strict):
    id: uuid.UUID = Field(
        description="Chosen by the client: recording the same payment again changes nothing"
    )
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="What was paid, in minor units of `currency`")
    currency: Currency
    paid_on: PlanDate
    reference: str | None = Field(default=None, max_length=200, description="The bank's reference")


class PaymentOut(BaseModel):
    id: uuid.UUID
    due_id: uuid.UUID
    country_code: str
    paid_amount: int
    paid_currency: str
    credited: int = Field(description="Minor units of the instalment's currency credited to it")
    rate: Decimal | None
    rate_as_of: date | None
    rate_source: str | None
    paid_on: date
    reference: str | None
    transfer_id: uuid.UUID = Field(description="The ledger transfer it was posted as (receivable → pool)")
    recorded_at: datetime


class RateIn(Strict):
    currency: Currency
    to_currency: Currency
    as_of: PlanDate
    rate: Decimal = Field(gt=0, max_digits=24, decimal_places=12, description="Units of to_currency per unit")
    source: str = Field(min_length=3, max_length=300, examples=["ECB euro foreign exchange reference rates"])

    @model_validator(mode="after")
    def _pair(self) -> RateIn:
        if self.currency == self.to_currency:
            raise ValueError("to_currency: a rate converts between two currencies")
        return self


class RateOut(BaseModel):
    currency: str
    to_currency: str
    as_of: date
    rate: Decimal
    source: str
    recorded_at: datetime


class ArrearsLine(BaseModel):
    country_code: str
    currency: str
    outstanding: int = Field(description="Owed by instalments past their due date")
    instalments: int
    oldest_due_on: date


class ArrearsOut(BaseModel):
    partnership_id: uuid.UUID
    as_of: date
    lines: list[ArrearsLine]
